# The deterministic simulator's throughput: changes per second (wall clock) through a healthy simulated cluster of
# 8 and 64 nodes, the same state machines the agents run. The baseline is the 8-node rate of the same run.
param([string] $Configuration = 'Release')

$assembly = Join-Path $PSScriptRoot '..' '..' 'module' 'Simulation' 'bin' $Configuration 'net10.0' 'VolumeManager.Simulation.dll'
if (-not (Test-Path $assembly)) { throw "The simulator is not built: $assembly is missing (run ./build.ps1 -Task Build)." }
$null = [Reflection.Assembly]::LoadFrom((Resolve-Path $assembly))

$null = [VolumeManager.Simulation.Throughput]::Measure(8, 20) # warm-up: JIT
$results = @([VolumeManager.Simulation.Throughput]::Measure(8, 400), [VolumeManager.Simulation.Throughput]::Measure(64, 60))
$base = $results[0].PerWallSecond
$rows = foreach ($r in $results) {
    [pscustomobject]@{
        Nodes                  = $r.Nodes
        Changes                = "$($r.Succeeded)/$($r.Changes)"
        'Wall s'               = [Math]::Round($r.Wall.TotalSeconds, 2)
        'Changes/s (wall)'     = [Math]::Round($r.PerWallSecond, 1)
        'Changes/s (simulated)' = [Math]::Round($r.PerSimulatedSecond, 1)
        'Events/s (wall)'      = [Math]::Round($r.Events / $r.Wall.TotalSeconds, 0)
        'Ratio to 8 nodes'     = [Math]::Round($r.PerWallSecond / $base, 2)
    }
}
Write-BenchTable 'Simulator throughput (create/remove of a shared disk group, one change at a time):' $rows
