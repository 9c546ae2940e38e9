using System.Net;
using System.Net.Sockets;
using Quorum.Chaos.History;
using Quorum.Chaos.Workloads;

namespace Quorum.Chaos.Tests;

public sealed class HttpOperationsTests
{
    // A CI run failed on this: the run ended while a write was in flight, the write vanished from
    // the history, and a read that saw its value could not be explained, so the checker reported a
    // violation that was the harness's own.
    [Fact]
    public async Task A_write_cut_short_by_the_end_of_the_run_is_recorded_as_unknown()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        var port = ((IPEndPoint)listener.LocalEndpoint).Port;
        var received = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        using var end = new CancellationTokenSource();

        // A node that takes the request and never answers, as one applying it when the run stops.
        var node = Task.Run(async () =>
        {
            using var connection = await listener.AcceptTcpClientAsync(end.Token);
            var buffer = new byte[4096];
            _ = await connection.GetStream().ReadAsync(buffer, end.Token);
            received.SetResult();
            await Task.Delay(Timeout.Infinite, end.Token);
        });

        var history = new HistoryRecorder();
        using var operations = new HttpOperations(history);
        using var stop = new CancellationTokenSource();
        var write = operations.WriteAsync(1, "n1", $"http://127.0.0.1:{port}", "register/0", "p1-0", stop.Token);
        await received.Task.WaitAsync(TimeSpan.FromSeconds(10));
        stop.Cancel();
        var operation = await write.WaitAsync(TimeSpan.FromSeconds(10));
        await end.CancelAsync();
        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => node);

        Assert.Equal(OperationStatus.Info, operation.Status);
        Assert.Equal("stopped", operation.Answer);
        var recorded = Assert.Single(history.Snapshot());
        Assert.Equal(("p1-0", OperationStatus.Info), (recorded.Value, recorded.Status));
    }
}
