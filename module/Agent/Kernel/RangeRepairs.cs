using VolumeManager.Engine.Model;
using VolumeManager.Engine.Protocol;

namespace VolumeManager.Agent.Kernel;

/// <summary>
/// The requester's side of a repair (NodeMachine.Repair): a change that reached some plexes and failed on one that stays
/// attached (Local policy) left them different over its range. The change's dirty region mark is held here, so a crash of
/// this node meanwhile still gets the range copied by recovery, and the node asks, through its own agent, for a node
/// that reaches every plex to copy the range; it asks again after a growing pause (at most <see cref="RetryMax"/>) until
/// one has, and only then lets the mark go.
/// </summary>
public sealed class RangeRepairs(Func<ControlRequest, CancellationToken, Task<ControlResponse>> submit, Func<NodeDatabase> database, Action<string> log) : IDisposable
{
    private static readonly TimeSpan AnswerTimeout = TimeSpan.FromSeconds(10);
    /// <summary>Bytes the answer's wait grows by a second for: a large range (TRIM, WRITE_ZEROES) takes its time to copy.</summary>
    private const long BytesPerSecond = 16L << 20;
    private static readonly TimeSpan RetryFirst = TimeSpan.FromMilliseconds(200);
    private static readonly TimeSpan RetryMax = TimeSpan.FromSeconds(5);
    private readonly CancellationTokenSource stopping = new();
    private int pending;

    /// <summary>Ranges still waiting for their repair.</summary>
    public int Pending => pending;

    /// <summary>Takes the change's mark (null: the volume keeps no log) and asks for the range's repair; returns null, the mark being its own now.</summary>
    public IDisposable? Hold(IDisposable? mark, string diskGroup, string volume, long offset, long length)
    {
        Interlocked.Increment(ref pending);
        log($"bytes {offset}..{offset + length} of volume {diskGroup}/{volume} may differ between its plexes after a failed write: asking for their repair");
        _ = Task.Run(() => RepairAsync(mark, new RepairRangeRequest { DiskGroup = diskGroup, Volume = volume, Offset = offset, Length = length }));
        return null;
    }

    private async Task RepairAsync(IDisposable? mark, RepairRangeRequest request)
    {
        var pause = RetryFirst;
        var ct = stopping.Token;
        try
        {
            for (var attempt = 1; ; attempt++)
            {
                if (database().Find(request.DiskGroup)?.FindVolume(request.Volume) is null)
                {
                    log($"volume {request.DiskGroup}/{request.Volume} is gone: its failed write needs no repair");
                    mark?.Dispose();
                    return;
                }
                var answer = await AskAsync(request, ct);
                if (answer.Ok)
                {
                    log($"bytes {request.Offset}..{request.Offset + request.Length} of volume {request.DiskGroup}/{request.Volume} are repaired (attempt {attempt})");
                    mark?.Dispose();
                    return;
                }
                if (attempt == 1 || attempt % 10 == 0) log($"repair of bytes {request.Offset}..{request.Offset + request.Length} of volume {request.DiskGroup}/{request.Volume} not done (attempt {attempt}, asked again): {answer.Error}");
                await Task.Delay(pause, ct);
                pause = TimeSpan.FromTicks(Math.Min(pause.Ticks * 2, RetryMax.Ticks));
            }
        }
        catch (OperationCanceledException) when (ct.IsCancellationRequested) { }   // the agent stops: the mark stays in the log for the next run's recovery
        finally { Interlocked.Decrement(ref pending); }
    }

    private async Task<ControlResponse> AskAsync(RepairRangeRequest request, CancellationToken ct)
    {
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(ct);
        timeout.CancelAfter(AnswerTimeout + TimeSpan.FromSeconds(request.Length / BytesPerSecond));
        try { return await submit(request, timeout.Token); }
        catch (OperationCanceledException) when (!ct.IsCancellationRequested) { return ControlResponse.Failure(Engine.Checks.ErrorIds.MasterChanged, "no answer in time."); }
    }

    public void Dispose()
    {
        stopping.Cancel();
        stopping.Dispose();
    }
}
