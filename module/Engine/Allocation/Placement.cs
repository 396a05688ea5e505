using VolumeManager.Engine.Model;

namespace VolumeManager.Engine.Allocation;

/// <summary>The allocator's answer: the plexes it laid out, or why it could not (an error id and a sentence).</summary>
public sealed class Placement
{
    public bool Succeeded => ErrorId is null;
    public string? ErrorId { get; private init; }
    public string Message { get; private init; } = "";
    /// <summary>The plexes laid out: every plex of the volume (create, resize) or the one new plex (mirror).</summary>
    public List<Plex> Plexes { get; private init; } = [];

    public static Placement Placed(List<Plex> plexes, string message) => new() { Plexes = plexes, Message = message };
    public static Placement Refused(string errorId, string message) => new() { ErrorId = errorId, Message = message };
}
