using FieldApp;

// A console technician/dispatcher app over Crdt.Replica: one command per invocation, all state
// in the --db SQLite file. Errors: one line on stderr and a non-zero exit code.
return await FieldAppCommands.RunAsync(args, Console.Out, Console.Error);
