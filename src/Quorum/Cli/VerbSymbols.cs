using System.CommandLine;
using System.CommandLine.Parsing;
using System.Globalization;


using Quorum.Contracts;

namespace Quorum.Cli;

/// <summary>
/// The arguments and flags several client verbs share, with their checks: a bad value is a usage
/// error (exit code 2), reported by System.CommandLine before anything is sent.
/// </summary>
internal static class VerbSymbols
{
    /// <summary>A key argument, which must not be empty. Put <c>--</c> before a key that starts with a dash.</summary>
    /// <returns>The argument.</returns>
    public static Argument<string> Key()
    {
        var key = new Argument<string>("KEY") { Description = "the key (put '--' before it when it starts with '-')" };
        key.Validators.Add(static result =>
        {
            if (result.Tokens is [{ Value.Length: 0 }])
                result.AddError("a key must not be empty");
        });
        return key;
    }

    /// <summary>An optional argument, such as a prefix.</summary>
    /// <param name="name">Its name in help, such as <c>PREFIX</c>.</param>
    /// <param name="description">What it is.</param>
    /// <returns>The argument; its value is <see langword="null"/> when left out.</returns>
    public static Argument<string?> Optional(string name, string description)
        => new(name) { Description = description, Arity = ArgumentArity.ZeroOrOne };

    /// <summary>A flag without a value.</summary>
    /// <param name="name">The flag, such as <c>--stale</c>.</param>
    /// <param name="description">What it does.</param>
    /// <returns>The flag.</returns>
    public static Option<bool> Switch(string name, string description) => new(name) { Description = description };

    /// <summary>A flag whose value is a whole number of at least <paramref name="min"/>.</summary>
    /// <param name="name">The flag, such as <c>--limit</c>.</param>
    /// <param name="min">The smallest value allowed.</param>
    /// <param name="description">What it does.</param>
    /// <returns>The flag; its value is <see langword="null"/> when not given.</returns>
    public static Option<long?> Number(string name, long min, string description) => new(name)
    {
        Description = description,
        HelpName = "N",
        CustomParser = result =>
        {
            var text = result.Tokens is [var token] ? token.Value : string.Empty;
            if (long.TryParse(text, NumberStyles.None, CultureInfo.InvariantCulture, out var number) && number >= min)
                return number;

            result.AddError($"{name} must be a whole number of at least {min}; got '{text}'");
            return null;
        },
    };

    /// <summary>A flag whose value is a positive duration such as <c>500ms</c>, <c>30s</c>, <c>5m</c> or <c>1h</c>.</summary>
    /// <param name="name">The flag, such as <c>--ttl</c>.</param>
    /// <param name="description">What it does.</param>
    /// <returns>The flag; its value is <see langword="null"/> when not given.</returns>
    public static Option<TimeSpan?> Duration(string name, string description) => new(name)
    {
        Description = description,
        HelpName = "D",
        CustomParser = result =>
        {
            var text = result.Tokens is [var token] ? token.Value : string.Empty;
            if (DurationText.TryParse(text, out var duration))
                return duration;

            result.AddError($"{name} must be a positive duration such as 500ms, 30s, 5m or 1h; got '{text}'");
            return null;
        },
    };

    /// <summary>Refuses a command line that gives both of two flags.</summary>
    /// <param name="command">The verb.</param>
    /// <param name="first">One flag.</param>
    /// <param name="second">The other.</param>
    public static void OneOf(Command command, Option first, Option second)
        => command.Validators.Add(result =>
        {
            if (result.GetResult(first) is not null && result.GetResult(second) is not null)
                result.AddError($"give {first.Name} or {second.Name}, not both");
        });

    /// <summary>
    /// Finds an argument that looks like a flag and came before <c>--</c>: System.CommandLine would
    /// take <c>ls --limt 5</c> as the prefix <c>--limt</c>, where the user meant a flag. A lone
    /// <c>-</c> (standard input) and the values of flags are not such arguments.
    /// </summary>
    /// <param name="result">The parsed command line.</param>
    /// <returns>The argument, or <see langword="null"/> when there is none.</returns>
    public static string? FindDashedArgument(ParseResult result)
    {
        ArgumentNullException.ThrowIfNull(result);
        var positional = result.CommandResult.Children.OfType<ArgumentResult>().SelectMany(static a => a.Tokens).ToHashSet();
        return result.Tokens
            .TakeWhile(static token => token.Type != TokenType.DoubleDash)
            .FirstOrDefault(token => token.Value is ['-', _, ..] && positional.Contains(token))?.Value;
    }
}
