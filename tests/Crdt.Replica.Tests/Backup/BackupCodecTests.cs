using Crdt.Replica.Internal.Backup;
using Crdt.Replica.Internal.Storage;

namespace Crdt.Replica.Tests.Backup;

/// <summary>Guards against importing a damaged, foreign or future backup file as if it were good.</summary>
public sealed class BackupCodecTests
{
    private static ReplicaBackup Sample() => new(
        "dev-1",
        DateTimeOffset.FromUnixTimeMilliseconds(1_700_000_000_000),
        [new StoredDocument("WorkOrder", "WO-1", [4, 5], "{\"title\":\"Pump\"}")],
        [new StoredOp("dev-1", 1, "WorkOrder", "WO-1", [1, 2, 3]), new StoredOp("relay", 5, "Part", "P-1", [])],
        [new PendingDot("dev-1", 1, "ana")],
        [("Customer", "C-1")]);

    [Fact]
    public void A_backup_round_trips()
    {
        var backup = Sample();

        var decoded = BackupCodec.Decode(BackupCodec.Encode(backup), "mem");

        Assert.Equal(backup.DeviceId, decoded.DeviceId);
        Assert.Equal(backup.CreatedAt, decoded.CreatedAt);
        Assert.Equal(backup.Ops.Select(o => (o.Replica, o.Seq, o.Collection, o.DocId, Convert.ToHexString(o.Bytes))),
            decoded.Ops.Select(o => (o.Replica, o.Seq, o.Collection, o.DocId, Convert.ToHexString(o.Bytes))));
        Assert.Equal(backup.Pending, decoded.Pending);
        Assert.Equal(backup.Documents.Select(d => (d.Collection, d.DocId, Convert.ToHexString(d.Snapshot), d.Json)),
            decoded.Documents.Select(d => (d.Collection, d.DocId, Convert.ToHexString(d.Snapshot), d.Json)));
        Assert.Equal(backup.Pins, decoded.Pins);
    }

    [Fact]
    public void Any_flipped_byte_is_refused()
    {
        var file = BackupCodec.Encode(Sample());
        // Every position, header included: a backup either decodes exactly or is refused.
        for (var i = 0; i < file.Length; i++)
        {
            var damaged = (byte[])file.Clone();
            damaged[i] ^= 0x40;
            var error = Assert.Throws<ReplicaBackupException>(() => BackupCodec.Decode(damaged, "b.bak"));
            Assert.Contains("b.bak", error.Message);
        }
    }

    [Fact]
    public void A_truncated_backup_is_refused_as_corrupted()
    {
        var file = BackupCodec.Encode(Sample());

        var error = Assert.Throws<ReplicaBackupException>(() => BackupCodec.Decode(file[..^5], "b.bak"));

        Assert.Contains("corrupted", error.Message);
    }

    [Fact]
    public void A_file_that_is_not_a_backup_is_refused_as_such()
    {
        var error = Assert.Throws<ReplicaBackupException>(() =>
            BackupCodec.Decode("SQLite format 3\0 and then some more bytes to be long enough"u8.ToArray(), "x.db"));

        Assert.Contains("not a CrdtFieldStore replica backup", error.Message);
    }

    [Fact]
    public void A_backup_of_a_newer_format_is_refused_naming_its_version()
    {
        var file = BackupCodec.Encode(Sample());
        file[8] = 9;
        file[9] = 0;

        var error = Assert.Throws<ReplicaBackupException>(() => BackupCodec.Decode(file, "b.bak"));

        Assert.Contains("format version 9", error.Message);
    }
}
