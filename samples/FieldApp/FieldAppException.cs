namespace FieldApp;

/// <summary>A usage or input problem the app reports as one line on stderr.</summary>
internal sealed class FieldAppException(string message) : Exception(message);
