return await Crdt.Relay.Cli.RelayCli.RunAsync(args);
