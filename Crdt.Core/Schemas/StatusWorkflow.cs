namespace Crdt.Core;

/// <summary>
/// The declared workflow of a status field: its states, the ones that close a document, the
/// allowed steps between them and how strictly editors are held to them (<see cref="Mode"/>).
/// Write-time validation refuses a move the author's view does not allow (<see cref="Refusal"/>);
/// concurrent moves that close or reopen a document become <see cref="FlagKind.StatusConflict"/>
/// flags. Declare one with <see cref="CollectionSchemaBuilder.Workflow"/>; extend the built-in one
/// with <see cref="SchemaRegistry.ExtendWorkflow"/>.
/// </summary>
public sealed class StatusWorkflow : SchemaRule
{
    /// <summary>A transition's <see cref="StatusTransition.From"/> meaning "every state that does not close the document".</summary>
    public const string AnyOpenState = "*";

    private readonly HashSet<string> _closing;

    internal StatusWorkflow(string statusField, WorkflowMode mode, IReadOnlyList<string> states, IReadOnlyList<string> closingStates, IReadOnlyList<StatusTransition> transitions)
    {
        StatusField = statusField;
        Mode = mode;
        States = states;
        ClosingStates = closingStates;
        Transitions = transitions;
        _closing = new HashSet<string>(closingStates, StringComparer.Ordinal);
    }

    /// <summary>The LWW string field holding the state, e.g. "status".</summary>
    public string StatusField { get; }

    /// <summary>Strict or lenient.</summary>
    public WorkflowMode Mode { get; }

    /// <summary>Every state, in declaration order (the field's allowed values).</summary>
    public IReadOnlyList<string> States { get; }

    /// <summary>The states that close the document.</summary>
    public IReadOnlyList<string> ClosingStates { get; }

    /// <summary>The declared steps, in declaration order.</summary>
    public IReadOnlyList<StatusTransition> Transitions { get; }

    /// <summary>True when <paramref name="state"/> closes the document.</summary>
    public bool IsClosing(string? state) => state is not null && _closing.Contains(state);

    /// <summary>True when <paramref name="value"/> is a string state that closes the document.</summary>
    public bool IsClosing(FieldValue? value) => value is { Kind: FieldValueKind.String } && _closing.Contains(value.AsString());

    /// <summary>True when an editor with <paramref name="authority"/> may move a document from <paramref name="from"/> to <paramref name="to"/>.</summary>
    public bool Allows(string? from, string to, StatusAuthority authority) => Refusal(from, to, authority) is null;

    /// <summary>The states an editor with <paramref name="authority"/> may move a document in <paramref name="from"/> to (including staying).</summary>
    public IReadOnlyList<string> NextStates(string? from, StatusAuthority authority) =>
        States.Where(to => Allows(from, to, authority)).ToArray();

    /// <summary>
    /// Null when the move is allowed, else why not, in words a person reads. A document with no
    /// state yet, or with a state the workflow does not know (written before it was declared), may
    /// move anywhere; staying in a state is always allowed.
    /// </summary>
    public string? Refusal(string? from, string to, StatusAuthority authority)
    {
        ArgumentNullException.ThrowIfNull(to);
        if (!States.Contains(to, StringComparer.Ordinal))
        {
            return $"'{to}' is not a state of the workflow ({string.Join(", ", States)})";
        }
        if (from is null || from == to || !States.Contains(from, StringComparer.Ordinal))
        {
            return null;
        }
        var fromClosing = IsClosing(from);
        var declared = Transitions.FirstOrDefault(t => t.To == to && (t.From == from || (t.From == AnyOpenState && !fromClosing)));
        if (declared is { DispatchOnly: false } || (declared is not null && authority == StatusAuthority.Dispatch))
        {
            return null;
        }
        if (fromClosing)
        {
            var reopen = Transitions.Where(t => t.From == from).Select(t => $"'{t.To}'").ToArray();
            return $"it is {from}, which closes it: " + (reopen.Length == 0
                ? $"it cannot move to '{to}'"
                : authority == StatusAuthority.Dispatch
                    ? $"it reopens only to {string.Join(" or ", reopen)}"
                    : $"only a dispatcher may reopen it, to {string.Join(" or ", reopen)}");
        }
        if (declared is not null)
        {
            return $"only a dispatcher may move it from '{from}' to '{to}'";
        }
        if (Mode == WorkflowMode.Lenient && (authority == StatusAuthority.Dispatch || Reachable(from, to)))
        {
            return null;
        }
        var steps = States.Where(s => s != from && Transitions.Any(t => t.To == s && !t.DispatchOnly && (t.From == from || t.From == AnyOpenState))).ToArray();
        return $"'{from}' → '{to}' is not a step of the {(Mode == WorkflowMode.Strict ? "strict " : "")}workflow" +
               (steps.Length == 0 ? "" : $" (from '{from}': {string.Join(", ", steps)})");
    }

    /// <summary>Skipping forward: <paramref name="to"/> is reached from <paramref name="from"/> by declared steps anyone may take, through open states.</summary>
    private bool Reachable(string from, string to)
    {
        var seen = new HashSet<string>(StringComparer.Ordinal) { from };
        var queue = new Queue<string>([from]);
        while (queue.TryDequeue(out var state))
        {
            if (IsClosing(state))
            {
                continue;
            }
            foreach (var step in Transitions)
            {
                if (step.DispatchOnly || (step.From != state && step.From != AnyOpenState))
                {
                    continue;
                }
                if (step.To == to)
                {
                    return true;
                }
                if (seen.Add(step.To))
                {
                    queue.Enqueue(step.To);
                }
            }
        }
        return false;
    }
}
