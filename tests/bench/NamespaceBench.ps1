# New-VmVolume on warm namespace clusters (each node in its own network namespace, reached over SSH at its own
# address), beside an empty Invoke-Command fan-out over the same sessions; and the 8-node latency against the
# 2-node one. Root only: elsewhere it says so and measures nothing.
# -Warmup: changes and fan-outs made before measuring. The agents' and endpoints' code is compiled in tiers (a method
# is recompiled optimised after some 30 calls, in the background); with every node's agent and endpoint recompiling
# at once on a 2-core machine the first 40-60 changes of a new cluster are 2-4 times slower than the ones after
# (measured: medians 245, 154, 108 ms over changes 1-20, 21-40, 41-60), so warm means after 60.
# 60 measured, so that the p95 is not the one slowest change. Ratio (p95) sets the p95 against the fan-out's p95;
# p95/FanOut med against its median, the stricter reading.
param([int] $Iterations = 60, [int[]] $NodeCounts = @(2, 4, 8), [int] $Warmup = 60)

if (-not ($IsLinux -and (id -u) -eq '0')) {
    Write-Host 'Namespace benchmark skipped: network namespaces need root.'
    return
}

$medians = @{}
$rows = foreach ($nodes in $NodeCounts) {
    Use-BenchCluster -NodeCount $nodes -DiskCount 2 -DiskSize 512MB -Isolation Namespace -Body {
        param($cluster)
        $sessions = $cluster.Sessions
        New-VmDiskGroup -Name bench -Disk d01, d02 -Shared | Out-Null
        foreach ($i in 1..$Warmup) {
            Invoke-Command -Session $sessions -ScriptBlock { } -ErrorAction Ignore | Out-Null
            New-VmVolume -DiskGroup bench -Name "warm$i" -Size 1MB | Out-Null
        }
        # Interleaved, so that both see the same load on the machine.
        $fanout = [Collections.Generic.List[double]]::new()
        $volume = [Collections.Generic.List[double]]::new()
        foreach ($i in 1..$Iterations) {
            $fanout.Add((Measure-Ms { Invoke-Command -Session $sessions -ScriptBlock { } -ErrorAction Ignore }))
            $volume.Add((Measure-Ms { New-VmVolume -DiskGroup bench -Name "v$i" -Size 1MB }))
        }
        $f = Get-Stats $fanout
        $v = Get-Stats $volume
        $medians[$nodes] = $v.Median
        [pscustomobject]@{
            Nodes             = $nodes
            'FanOut ms (med)' = [Math]::Round($f.Median, 1)
            'FanOut ms (p95)' = [Math]::Round($f.P95, 1)
            'ms (med)'        = [Math]::Round($v.Median, 1)
            'ms (p95)'        = [Math]::Round($v.P95, 1)
            'Ratio (med)'     = [Math]::Round($v.Median / $f.Median, 1)
            'Ratio (p95)'     = [Math]::Round($v.P95 / $f.P95, 1)
            'p95/FanOut med'  = [Math]::Round($v.P95 / $f.Median, 1)
        }
    }
}
Write-BenchTable "New-VmVolume, $Iterations times, on namespace clusters against one empty Invoke-Command fan-out over the same sessions (median):" $rows
if ($medians.ContainsKey(2) -and $medians.ContainsKey(8)) {
    Write-Host ("New-VmVolume median, 8 nodes against 2: {0:0.00}x" -f ($medians[8] / $medians[2]))
}
