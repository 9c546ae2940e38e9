using System.Globalization;

namespace Quorum.Cli;

/// <summary>
/// The command line of a client verb, parsed: its arguments and its flags. Flags may come before or
/// after the arguments, as <c>--flag value</c> or <c>--flag=value</c>; <c>--</c> ends the flags (for
/// a key that starts with a dash), and a lone <c>-</c> is an argument (standard input).
/// </summary>
internal sealed class VerbArguments
{
    private readonly string verb;
    private readonly Dictionary<string, string?> flags;

    private VerbArguments(string verb, List<string> arguments, Dictionary<string, string?> flags)
    {
        this.verb = verb;
        Arguments = arguments;
        this.flags = flags;
    }

    /// <summary>Gets the arguments that are not flags, in order.</summary>
    public IReadOnlyList<string> Arguments { get; }

    /// <summary>Parses a verb's command line.</summary>
    /// <param name="verb">The verb, for messages.</param>
    /// <param name="args">The arguments after the verb.</param>
    /// <param name="valueFlags">The flags that take a value, such as <c>--limit</c>.</param>
    /// <param name="switches">The flags that take none, such as <c>--stale</c>.</param>
    /// <returns>The parsed command line.</returns>
    /// <exception cref="UsageException">A flag is unknown, given twice, or lacks its value.</exception>
    public static VerbArguments Parse(string verb, IReadOnlyList<string> args, IReadOnlyCollection<string> valueFlags, IReadOnlyCollection<string> switches)
    {
        ArgumentNullException.ThrowIfNull(args);
        var arguments = new List<string>();
        var flags = new Dictionary<string, string?>(StringComparer.Ordinal);
        var onlyArguments = false;
        for (var i = 0; i < args.Count; i++)
        {
            var arg = args[i];
            if (onlyArguments || arg == "-" || !arg.StartsWith('-'))
            {
                arguments.Add(arg);
                continue;
            }

            if (arg == "--")
            {
                onlyArguments = true;
                continue;
            }

            var equals = arg.IndexOf('=', StringComparison.Ordinal);
            var name = equals < 0 ? arg : arg[..equals];
            string? value;
            if (valueFlags.Contains(name))
            {
                if (equals >= 0)
                    value = arg[(equals + 1)..];
                else if (i + 1 < args.Count)
                    value = args[++i];
                else
                    throw new UsageException($"{verb}: {name} needs a value");
            }
            else if (switches.Contains(name))
            {
                if (equals >= 0)
                    throw new UsageException($"{verb}: {name} takes no value");
                value = null;
            }
            else
            {
                throw new UsageException($"{verb}: unknown option '{name}'");
            }

            if (!flags.TryAdd(name, value))
                throw new UsageException($"{verb}: {name} is given more than once");
        }

        return new VerbArguments(verb, arguments, flags);
    }

    /// <summary>Tells whether a flag was given.</summary>
    /// <param name="flag">The flag, such as <c>--stale</c>.</param>
    /// <returns><see langword="true"/> when it was.</returns>
    public bool Has(string flag) => flags.ContainsKey(flag);

    /// <summary>Gets a flag's value.</summary>
    /// <param name="flag">The flag, such as <c>--after</c>.</param>
    /// <returns>The value, or <see langword="null"/> when the flag was not given.</returns>
    public string? Value(string flag) => flags.GetValueOrDefault(flag);

    /// <summary>Gets a flag's value as a whole number.</summary>
    /// <param name="flag">The flag, such as <c>--limit</c>.</param>
    /// <param name="min">The smallest value allowed.</param>
    /// <returns>The number, or <see langword="null"/> when the flag was not given.</returns>
    /// <exception cref="UsageException">The value is not a whole number of at least <paramref name="min"/>.</exception>
    public long? Number(string flag, long min)
    {
        if (Value(flag) is not { } text)
            return null;
        if (!long.TryParse(text, NumberStyles.None, CultureInfo.InvariantCulture, out var number) || number < min)
            throw new UsageException($"{verb}: {flag} must be a whole number of at least {min}; got '{text}'");

        return number;
    }

    /// <summary>Checks the number of arguments.</summary>
    /// <param name="min">The fewest allowed.</param>
    /// <param name="max">The most allowed.</param>
    /// <exception cref="UsageException">There are fewer or more.</exception>
    public void ExpectArguments(int min, int max)
    {
        if (Arguments.Count < min)
            throw new UsageException($"{verb}: missing argument");
        if (Arguments.Count > max)
            throw new UsageException($"{verb}: unexpected argument '{Arguments[max]}'");
    }

    /// <summary>Gets an argument that is a key.</summary>
    /// <param name="index">Its place, from 0; <see cref="ExpectArguments"/> has checked that it is there.</param>
    /// <returns>The key.</returns>
    /// <exception cref="UsageException">The key is empty.</exception>
    public string Key(int index)
        => Arguments[index] is { Length: > 0 } key ? key : throw new UsageException($"{verb}: a key must not be empty");

    /// <summary>Gets an argument, or <see langword="null"/> when there are not that many.</summary>
    /// <param name="index">Its place, from 0.</param>
    /// <returns>The argument.</returns>
    public string? Argument(int index) => index < Arguments.Count ? Arguments[index] : null;
}
