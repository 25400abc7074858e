namespace Crdt.Core.Tests.Convergence;

/// <summary>
/// Turns an FsCheck-generated int array into a stream of choices, so FsCheck both generates and
/// shrinks scenarios (a shorter array is a shorter scenario). Each int is spent as a mixed-radix
/// number (several small choices per int); past the end it yields zeros.
/// </summary>
internal sealed class ChoiceStream(int[] choices)
{
    private int _next;
    private long _current;
    private long _range;

    public bool Exhausted => _next >= choices.Length && _range <= 1;

    public int Next(int bound)
    {
        if (bound <= 1)
        {
            return 0;
        }
        if (_range < bound)
        {
            if (_next >= choices.Length)
            {
                _range = 0;
                return 0;
            }
            _current = choices[_next++];
            _range = int.MaxValue;
        }
        var value = (int)(_current % bound);
        _current /= bound;
        _range /= bound;
        return value;
    }

    public T Pick<T>(IReadOnlyList<T> items) => items[Next(items.Count)];

    public bool Chance(int percent) => Next(100) < percent;
}
