namespace Crdt.Core;

/// <summary>
/// Declares (or extends) a <see cref="StatusWorkflow"/>:
/// <c>w =&gt; w.State("new").State("done", closing: true).Step("new", "done").Step("done", "new", dispatchOnly: true)</c>.
/// Extending keeps every state and step already declared and only adds.
/// </summary>
public sealed class StatusWorkflowBuilder
{
    private readonly string _collection;
    private readonly string _statusField;
    private readonly List<string> _states = [];
    private readonly List<string> _closing = [];
    private readonly List<StatusTransition> _transitions = [];
    private WorkflowMode _mode = WorkflowMode.Lenient;

    internal StatusWorkflowBuilder(string collection, string statusField, StatusWorkflow? extending = null)
    {
        _collection = collection;
        _statusField = statusField;
        if (extending is not null)
        {
            _states.AddRange(extending.States);
            _closing.AddRange(extending.ClosingStates);
            _transitions.AddRange(extending.Transitions);
            _mode = extending.Mode;
        }
    }

    /// <summary>Adds a state; <paramref name="closing"/> states close the document (no more work, no leaving but by a dispatcher).</summary>
    public StatusWorkflowBuilder State(string name, bool closing = false)
    {
        if (string.IsNullOrEmpty(name) || name == StatusWorkflow.AnyOpenState)
        {
            throw new ArgumentException($"collection '{_collection}', workflow of '{_statusField}': '{name}' is not a state name", nameof(name));
        }
        if (_states.Contains(name, StringComparer.Ordinal))
        {
            throw new ArgumentException($"collection '{_collection}', workflow of '{_statusField}': state '{name}' is declared twice", nameof(name));
        }
        _states.Add(name);
        if (closing)
        {
            _closing.Add(name);
        }
        return this;
    }

    /// <summary>Adds a step from <paramref name="from"/> (or <see cref="StatusWorkflow.AnyOpenState"/>) to <paramref name="to"/>.</summary>
    public StatusWorkflowBuilder Step(string from, string to, bool dispatchOnly = false)
    {
        _transitions.Add(new StatusTransition(from, to, dispatchOnly));
        return this;
    }

    /// <summary>Adds the steps <c>path[0] → path[1] → …</c> (anyone may take them).</summary>
    public StatusWorkflowBuilder Path(params string[] path)
    {
        for (var i = 1; i < path.Length; i++)
        {
            Step(path[i - 1], path[i]);
        }
        return this;
    }

    /// <summary>Only declared steps are allowed.</summary>
    public StatusWorkflowBuilder Strict()
    {
        _mode = WorkflowMode.Strict;
        return this;
    }

    /// <summary>Declared steps plus skipping forward (the default).</summary>
    public StatusWorkflowBuilder Lenient()
    {
        _mode = WorkflowMode.Lenient;
        return this;
    }

    internal StatusWorkflow Build()
    {
        if (_states.Count == 0)
        {
            throw new InvalidOperationException($"collection '{_collection}': the workflow of '{_statusField}' declares no states");
        }
        foreach (var step in _transitions)
        {
            if (step.From != StatusWorkflow.AnyOpenState && !_states.Contains(step.From, StringComparer.Ordinal))
            {
                throw new InvalidOperationException($"collection '{_collection}': workflow step {step} leaves '{step.From}', which is not a declared state");
            }
            if (!_states.Contains(step.To, StringComparer.Ordinal))
            {
                throw new InvalidOperationException($"collection '{_collection}': workflow step {step} enters '{step.To}', which is not a declared state");
            }
        }
        return new StatusWorkflow(_statusField, _mode, _states.ToArray(), _closing.ToArray(), _transitions.Distinct().ToArray());
    }
}
