namespace Crdt.Core;

/// <summary>
/// Enumerates an element's values (<see cref="AddElement.Values"/>) without an allocation when they are a
/// <see cref="Dictionary{TKey, TValue}"/>, as decoding and <see cref="MutationBuilder"/> make them:
/// <c>foreach</c> over the interface boxes the dictionary's enumerator, once per element added, on every
/// path an op takes (envelope and schema checks, size estimate, apply). Other dictionaries are enumerated
/// through the interface.
/// </summary>
internal readonly struct ElementValues(IReadOnlyDictionary<string, FieldValue> values)
{
    public Enumerator GetEnumerator() => new(values);

    internal struct Enumerator
    {
        private readonly IEnumerator<KeyValuePair<string, FieldValue>>? _other;
        private Dictionary<string, FieldValue>.Enumerator _dictionary;

        public Enumerator(IReadOnlyDictionary<string, FieldValue> values)
        {
            if (values is Dictionary<string, FieldValue> dictionary)
            {
                _dictionary = dictionary.GetEnumerator();
            }
            else
            {
                _other = values.GetEnumerator();
            }
        }

        public readonly KeyValuePair<string, FieldValue> Current => _other is null ? _dictionary.Current : _other.Current;

        public bool MoveNext() => _other is null ? _dictionary.MoveNext() : _other.MoveNext();
    }
}
