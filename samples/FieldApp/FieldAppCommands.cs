using System.CommandLine;
using Crdt.Core;
using Crdt.Replica;

namespace FieldApp;

/// <summary>The command tree (System.CommandLine 2.0) and the one place errors become exit codes.</summary>
internal static class FieldAppCommands
{
    public const int ExitOk = 0;
    public const int ExitError = 1;
    public const int ExitUsage = 2;

    private static readonly Option<string> Db = new("--db") { Description = "The replica file (SQLite).", Required = true, Recursive = true };
    private static readonly Option<bool> Json = new("--json") { Description = "Print machine-readable JSON.", Recursive = true };
    private static readonly Option<bool> Dispatcher = new("--dispatcher")
    {
        Description = "Act as a dispatcher's screen: may reopen a closed order (cancelled → open, completed → in_progress) and resolve a StatusConflict keep-mine.",
        Recursive = true,
    };

    public static async Task<int> RunAsync(string[] args, TextWriter output, TextWriter error)
    {
        var root = new RootCommand("FieldApp: a technician's device over a CrdtFieldStore replica.") { Db, Json, Dispatcher };
        foreach (var command in Build(output))
        {
            root.Subcommands.Add(command);
        }
        var parsed = root.Parse(args);
        if (parsed.Errors.Count > 0)
        {
            error.WriteLine("error: " + UsageErrors.Describe(root, parsed));
            return ExitUsage;
        }
        try
        {
            return await parsed.InvokeAsync(new InvocationConfiguration { Output = output, Error = error, EnableDefaultExceptionHandler = false });
        }
        catch (Exception ex) when (Describe(ex) is { } message)
        {
            error.WriteLine("error: " + message);
            return ExitError;
        }
    }

    /// <summary>The one-line message for an error a user can act on; null for bugs (let them surface).</summary>
    private static string? Describe(Exception ex) => ex switch
    {
        FieldAppException or ValidationException or PendingChangesException or ReplicaBackupException or ReplicaSignInException
            or ReplicaSyncException or ReplicaStorageException or InvalidOperationException or ArgumentException => OneLine(ex.Message),
        _ => null,
    };

    private static string OneLine(string message) => message.ReplaceLineEndings(" ");

    private static IEnumerable<Command> Build(TextWriter output)
    {
        Session S(ParseResult r) => new(r.GetValue(Db)!, r.GetValue(Json), output, r.GetValue(Dispatcher) ? StatusAuthority.Dispatch : StatusAuthority.Field);

        var relay = new Option<string>("--relay") { Description = "The relay's URL, e.g. http://127.0.0.1:5171; several nodes of one relay comma-separated (URL1,URL2): the device moves to the next when one is down", Required = true };
        var token = new Option<string>("--token") { Description = "The bearer token the operator printed for this device.", Required = true };
        var user = new Option<string?>("--user") { Description = "The device name the operator registered (default: the relay says whose token it is; a different name is refused)." };
        var offlineSignIn = new Option<bool>("--offline") { Description = "Sign in without asking the relay (it is unreachable now): needs --user; the token is checked at the first sync." };
        var keep = new Option<bool>("--keep-pending") { Description = "Another person's unsynced edits stay on the device for them instead of syncing first." };
        var login = new Command("login", "Sign in with a relay URL and a device token (checked with the relay).") { relay, token, user, offlineSignIn, keep };
        login.SetAction((r, ct) => Handlers.LoginAsync(S(r), r.GetValue(relay)!, r.GetValue(token)!, r.GetValue(user), r.GetValue(offlineSignIn),
            r.GetValue(keep) ? PendingEditsPolicy.KeepForAuthor : PendingEditsPolicy.SyncFirst, ct));
        yield return login;

        var sync = new Command("sync", "Push pending edits, then pull what the relay has.");
        sync.SetAction((r, ct) => Handlers.SyncAsync(S(r), ct));
        yield return sync;

        var compact = new Command("compact", "Fold what every device has seen (the relay's stable horizon) into the documents and shrink the file.");
        compact.SetAction((r, ct) => Handlers.CompactAsync(S(r), ct));
        yield return compact;

        var agenda = new Command("agenda", "Check out everything in this device's scope and list the work orders.");
        agenda.SetAction((r, ct) => Handlers.AgendaAsync(S(r), ct));
        yield return agenda;

        var showId = new Argument<string>("ID") { Description = "A work order id, or Collection/Id for another document." };
        var show = new Command("show", "Show a document's merged values, entries, total hours and flags (and pin it).") { showId };
        show.SetAction((r, ct) => Handlers.ShowAsync(S(r), r.GetValue(showId)!, ct));
        yield return show;

        var collection = new Argument<string>("COLLECTION") { Description = "workorder, customer, asset, part, or a declared collection." };
        var id = new Option<string?>("--id") { Description = "The new document's id (default: generated)." };
        var createValues = new Argument<string[]>("FIELD=VALUE") { Arity = ArgumentArity.ZeroOrMore };
        var create = new Command("create", "Create a document.") { collection, id, createValues };
        create.SetAction((r, ct) => Handlers.CreateAsync(S(r), r.GetValue(collection)!, r.GetValue(id), r.GetValue(createValues) ?? [], ct));
        yield return create;

        var setId = new Argument<string>("ID");
        var setValues = new Argument<string[]>("FIELD=VALUE") { Arity = ArgumentArity.OneOrMore };
        var set = new Command("set", "Set fields of a document.") { setId, setValues };
        set.SetAction((r, ct) => Handlers.SetAsync(S(r), r.GetValue(setId)!, r.GetValue(setValues)!, ct));
        yield return set;

        var hoursId = new Argument<string>("ID");
        var hoursValue = new Argument<string>("HOURS");
        var note = new Option<string?>("--note") { Description = "What was done." };
        var hours = new Command("hours", "Log hours worked on a work order.") { hoursId, hoursValue, note };
        hours.SetAction((r, ct) => Handlers.HoursAsync(S(r), r.GetValue(hoursId)!, r.GetValue(hoursValue)!, r.GetValue(note), ct));
        yield return hours;

        var partId = new Argument<string>("ID");
        var partName = new Argument<string>("PART") { Description = "A SKU, or Part/Id from the catalogue." };
        var quantity = new Argument<string>("QTY");
        var part = new Command("part", "Record a part used on a work order.") { partId, partName, quantity };
        part.SetAction((r, ct) => Handlers.PartAsync(S(r), r.GetValue(partId)!, r.GetValue(partName)!, r.GetValue(quantity)!, ct));
        yield return part;

        var completeId = new Argument<string>("ID");
        var complete = new Command("complete", "Mark a work order completed.") { completeId };
        complete.SetAction((r, ct) => Handlers.CompleteAsync(S(r), r.GetValue(completeId)!, ct));
        yield return complete;

        var deleteId = new Argument<string>("ID");
        var delete = new Command("delete", "Delete a document.") { deleteId };
        delete.SetAction((r, ct) => Handlers.DeleteAsync(S(r), r.GetValue(deleteId)!, ct));
        yield return delete;

        var onOff = UsageErrors.OneOf(new Argument<string>("on|off"), "on", "off");
        var offline = new Command("offline", "Switch Work Offline on (nothing is sent) or off.") { onOff };
        offline.SetAction((r, ct) => Handlers.OfflineAsync(S(r), r.GetValue(onOff) == "on", ct));
        yield return offline;

        var all = new Option<bool>("--all") { Description = "Include resolved flags." };
        var flags = new Command("flags", "List the flags inbox.") { all };
        flags.SetAction((r, ct) => Handlers.FlagsAsync(S(r), r.GetValue(all), ct));
        yield return flags;

        var flagId = new Argument<string>("FLAG") { Description = "A flag id (or a unique prefix)." };
        var choice = UsageErrors.OneOf(new Argument<string>("keep-mine|keep-theirs|accept|discard"), "keep-mine", "keep-theirs", "accept", "discard");
        var resolve = new Command("resolve", "Resolve a flag.") { flagId, choice };
        resolve.SetAction((r, ct) => Handlers.ResolveAsync(S(r), r.GetValue(flagId)!, r.GetValue(choice)!, ct));
        yield return resolve;

        foreach (var command in SignatureCommands.Build(S)) yield return command;

        var exportFile = new Argument<string>("FILE");
        var export = new Command("export", "Write a backup file.") { exportFile };
        export.SetAction((r, ct) => Handlers.BackupExportAsync(S(r), r.GetValue(exportFile)!, ct));
        var importFile = new Argument<string>("FILE");
        var import = new Command("import", "Restore a backup file (into a new --db file, or into the replica it came from).") { importFile };
        import.SetAction((r, ct) => Handlers.BackupImportAsync(S(r), r.GetValue(importFile)!, ct));
        yield return new Command("backup", "Export or import a backup file.") { export, import };

        var discardId = new Argument<string>("ID") { Description = "A refused edit's id, as `refused` lists it." };
        var discard = new Command("discard", "Remove a refused edit from this device for good.") { discardId };
        discard.SetAction((r, ct) => Handlers.RefusedDiscardAsync(S(r), r.GetValue(discardId)!, ct));
        var retryId = new Argument<string>("ID") { Description = "A refused edit's id, as `refused` lists it." };
        var retry = new Command("retry", "Put a refused edit back in the outbox (after what made the relay refuse it changed).") { retryId };
        retry.SetAction((r, ct) => Handlers.RefusedRetryAsync(S(r), r.GetValue(retryId)!, ct));
        var refusedFile = new Argument<string>("FILE");
        var refusedExport = new Command("export", "Write every refused edit, with the relay's reason and the edit itself, to a JSON file.") { refusedFile };
        refusedExport.SetAction((r, ct) => Handlers.RefusedExportAsync(S(r), r.GetValue(refusedFile)!, ct));
        var refused = new Command("refused", "List the edits the relay refused for good (they no longer block syncing).") { discard, retry, refusedExport };
        refused.SetAction((r, ct) => Handlers.RefusedListAsync(S(r), ct));
        yield return refused;

        var status = new Command("status", "Show who is signed in, connectivity, pending changes and counts.");
        status.SetAction((r, ct) => Handlers.StatusAsync(S(r), ct));
        yield return status;

        var force = new Option<bool>("--force") { Description = "Go ahead with unsynced changes (a backup is written first)." };
        var backupTo = new Option<string?>("--backup") { Description = "Where the backup goes (default: next to the --db file)." };
        var signout = new Command("signout", "Sign out (refused while your changes are unsynced, unless --force).") { force, backupTo };
        signout.SetAction((r, ct) => Handlers.SignOutAsync(S(r), r.GetValue(force), r.GetValue(backupTo), ct));
        yield return signout;

        var wipeForce = new Option<bool>("--force") { Description = "Go ahead with unsynced changes (a backup is written first)." };
        var wipeBackup = new Option<string?>("--backup") { Description = "Where the backup goes (default: next to the --db file)." };
        var wipe = new Command("wipe", "Delete the replica file (refused while changes are unsynced, unless --force).") { wipeForce, wipeBackup };
        wipe.SetAction((r, ct) => Handlers.WipeAsync(S(r), r.GetValue(wipeForce), r.GetValue(wipeBackup), ct));
        yield return wipe;

        var attachId = new Argument<string>("ID") { Description = "A work order id." };
        var attachFile = new Argument<string>("FILE") { Description = "The file to attach (a photo, a PDF...)." };
        var attachType = new Option<string?>("--type") { Description = "Its media type, e.g. image/jpeg (default: from the extension)." };
        var attach = new Command("attach", "Attach a file to a work order (works offline; the bytes upload with the next sync).") { attachId, attachFile, attachType };
        attach.SetAction((r, ct) => Handlers.AttachAsync(S(r), r.GetValue(attachId)!, r.GetValue(attachFile)!, r.GetValue(attachType), ct));
        yield return attach;

        var attachmentsId = new Argument<string>("ID") { Description = "A work order id." };
        var attachments = new Command("attachments", "List a work order's attachments with the state of their bytes (not uploaded yet, not downloaded yet, available).") { attachmentsId };
        attachments.SetAction((r, ct) => Handlers.AttachmentsAsync(S(r), r.GetValue(attachmentsId)!, ct));
        yield return attachments;

        var fetchId = new Argument<string>("ID") { Description = "A work order id." };
        var fetchHash = new Argument<string>("HASH") { Description = "The attachment's sha256 (or a unique prefix), as `attachments` lists it." };
        var fetchOut = new Option<string>("--out") { Description = "Where to write the bytes.", Required = true };
        var fetch = new Command("fetch", "Write an attachment's bytes to a file, downloading them first when they are not on this device.") { fetchId, fetchHash, fetchOut };
        fetch.SetAction((r, ct) => Handlers.FetchAsync(S(r), r.GetValue(fetchId)!, r.GetValue(fetchHash)!, r.GetValue(fetchOut)!, ct));
        yield return fetch;

        // For the crash-safety tests: uploads the attachment queue and stops mid-file to be killed.
        var pauseAfter = new Option<long>("--pause-after") { Description = "Stop (and wait to be killed) once this many bytes are sent." };
        var uploadAttachments = new Command("upload-attachments", "Test helper: upload the attachment queue.") { pauseAfter };
        uploadAttachments.Hidden = true;
        uploadAttachments.SetAction((r, ct) => Handlers.UploadAttachmentsAsync(S(r), r.GetValue(pauseAfter), ct));
        yield return uploadAttachments;

        // For the crash-safety tests: edits in a loop, printing each edit once its call returned.
        var stressId = new Argument<string>("ID");
        var stressCount = new Argument<int>("COUNT");
        var stress = new Command("stress-edits", "Test helper: edit a work order COUNT times, printing 'saved N' after each durable edit.") { stressId, stressCount };
        stress.Hidden = true;
        stress.SetAction((r, ct) => Handlers.StressEditsAsync(S(r), r.GetValue(stressId)!, r.GetValue(stressCount), ct));
        yield return stress;
    }
}
