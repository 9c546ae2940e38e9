using System.Globalization;

namespace Quorum.Client;

/// <summary>Backups: <see cref="DownloadSnapshotAsync"/>.</summary>
public sealed partial class QuorumClient
{
    private const string RevisionHeader = "X-Quorum-Revision";

    /// <summary>
    /// Downloads a point-in-time copy of the whole cluster state (<c>GET /snapshot</c>, root only
    /// once auth is on) into <paramref name="destination"/>. The copy holds every write completed
    /// before the call. Its checksum is not checked here: check the saved file (the
    /// <c>quorum snapshot</c> commands do), since a transfer can break part way.
    /// </summary>
    /// <param name="destination">Where the bytes go; left open.</param>
    /// <param name="token">Cancels the download.</param>
    /// <returns>The revision of the copy, from the <c>X-Quorum-Revision</c> header.</returns>
    /// <exception cref="QuorumClientException">The member refused: 401 or 403 without root, 503 without a quorum.</exception>
    public async Task<long> DownloadSnapshotAsync(Stream destination, CancellationToken token = default)
    {
        ArgumentNullException.ThrowIfNull(destination);

        // No per-request timeout: a large store takes as long as it takes to stream.
        using var response = await SendAsync(() => new HttpRequestMessage(HttpMethod.Get, "snapshot"), token, HttpCompletionOption.ResponseHeadersRead, timeout: false);
        if (!response.IsSuccessStatusCode)
            throw await ErrorAsync(response, token);

        var revision = response.Headers.TryGetValues(RevisionHeader, out var values)
            && long.TryParse(values.FirstOrDefault(), NumberStyles.None, CultureInfo.InvariantCulture, out var parsed)
                ? parsed
                : throw new QuorumClientException(response.StatusCode, $"The server's answer lacks the {RevisionHeader} header.");

        await using var body = await response.Content.ReadAsStreamAsync(token);
        await body.CopyToAsync(destination, token);
        return revision;
    }
}
