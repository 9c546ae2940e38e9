namespace Quorum.Cli;

/// <summary>The help text of the client verbs: what each prints, and what the exit codes mean.</summary>
internal static class ClientHelp
{
    /// <summary>Gets the text.</summary>
    public static string Text { get; } = $$"""
        client commands (each talks to the members in --endpoints URL[,URL...], else ${{ClientEndpoints.Variable}},
        else {{ClientEndpoints.Default}}; it moves on to the next member when one is down or has no leader):
          get KEY [--stale] [--revision]
                     print the value's raw bytes (nothing added); --revision prints
                     'REVISION VALUE' and a newline instead; --stale reads the member's own replica
          put KEY [VALUE|-] [--if-revision N | --create] [--ttl D]
                     set KEY to VALUE, or to standard input when VALUE is - or left out; print the
                     revision. --if-revision N: only if the key is at revision N (0: absent);
                     --create: only if absent; --ttl D (500ms, 30s, 5m, 1h): the key expires D
                     after the write is applied
          del KEY [--if-revision N]
                     delete KEY (an absent key is not an error); print the revision
          ls [PREFIX] [--limit N] [--after KEY] [--stale] [--values] [--json]
                     list the keys under PREFIX in byte order, one per line: KEY<tab>REVISION, plus
                     <tab>VALUE with --values; or {"key":K,"value":BASE64,"revision":N} with --json.
                     Every key unless --limit; --after starts after KEY
          watch [PREFIX] [--from N] [--json]
                     print each change under PREFIX from revision N (default: from now on), one per
                     line: REVISION<tab>put<tab>KEY<tab>VALUE or REVISION<tab>delete<tab>KEY, or the
                     event's JSON with --json; until Ctrl-C (exit 0)
          txn [FILE|-]
                     run the transaction in FILE (or standard input), written as the HTTP API's JSON:
                     {"compare":[...],"success":[...],"failure":[...]}; print the answer's JSON
          status [--json]
                     print the cluster, a row per member: ID, ROLE, TERM, COMMIT, APPLIED, and as the
                     leader sees it MATCH (the follower's match index), LAG (the leader's commit
                     index minus it) and LAST CONTACT; --json prints each member's status instead

        Values are shown as text when they are UTF-8 without control characters, else as
        base64:<base64>. Put '--' before a key or value that starts with '-'.

        exit codes of the client commands:
          0  done (txn: every compare held)
          1  the server refused the request (its message is printed), or the input file is malformed
          2  usage error
          3  get: the key is absent
          4  put/del: the condition failed (the key's current revision is printed); nothing changed
          5  txn: a compare failed, so the failure branch ran
          6  the outcome is unknown: a write was not confirmed in time, or the connection broke
          7  no member could be reached, or none had a leader: nothing changed; try again
          130 interrupted (Ctrl-C) before the answer came; a write may or may not have been applied

        """;
}
