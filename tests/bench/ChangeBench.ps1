# New-VmDiskGroup and Remove-VmDiskGroup, and New-VmVolume and Remove-VmVolume in a group, each one transaction, on
# a warm cluster, beside an empty Invoke-Command fan-out over the same sessions: the ratio is what the protocol costs
# above bare remoting. -Warmup pairs of changes first: warm means after the background recompilation of the agents'
# and endpoints' hot code has settled (see NamespaceBench.ps1).
param([int] $Iterations = 20, [string[]] $Shape = @('Local:3', 'Ssh:2', 'Ssh:3', 'Ssh:4', 'Ssh:8'), [int] $Warmup = 30)

$rows = foreach ($entry in $Shape) {
    $transport, $nodes = $entry -split ':'
    Use-BenchCluster -NodeCount ([int]$nodes) -DiskCount 3 -DiskSize 16MB -Transport $transport -Body {
        param($cluster)
        $sessions = $cluster.Sessions
        New-VmDiskGroup -Name vols -Disk d03 -Shared | Out-Null
        foreach ($i in 1..$Warmup) {
            Invoke-Command -Session $sessions -ScriptBlock { } -ErrorAction Ignore | Out-Null
            New-VmDiskGroup -Name warm -Disk d01 -Shared | Out-Null
            Remove-VmDiskGroup -Name warm -Confirm:$false
        }
        $fanout = [Collections.Generic.List[double]]::new()
        $new = [Collections.Generic.List[double]]::new()
        $remove = [Collections.Generic.List[double]]::new()
        $newVolume = [Collections.Generic.List[double]]::new()
        $removeVolume = [Collections.Generic.List[double]]::new()
        # The fan-out is measured among the changes, so that both see the same load on the machine.
        foreach ($i in 1..$Iterations) {
            $fanout.Add((Measure-Ms { Invoke-Command -Session $sessions -ScriptBlock { } -ErrorAction Ignore }))
            $new.Add((Measure-Ms { New-VmDiskGroup -Name bench -Disk d01, d02 -Shared }))
            $remove.Add((Measure-Ms { Remove-VmDiskGroup -Name bench -Confirm:$false }))
            $newVolume.Add((Measure-Ms { New-VmVolume -DiskGroup vols -Name bench -Size 1MB }))
            $removeVolume.Add((Measure-Ms { Remove-VmVolume -DiskGroup vols -Name bench -Confirm:$false }))
        }
        $f = Get-Stats $fanout
        $commands = @(
            @{ Name = 'New-VmDiskGroup'; Samples = $new }, @{ Name = 'Remove-VmDiskGroup'; Samples = $remove }
            @{ Name = 'New-VmVolume'; Samples = $newVolume }, @{ Name = 'Remove-VmVolume'; Samples = $removeVolume })
        foreach ($command in $commands) {
            $c = Get-Stats $command.Samples
            [pscustomobject]@{
                Transport         = $transport
                Nodes             = [int]$nodes
                Command           = $command.Name
                'FanOut ms (med)' = [Math]::Round($f.Median, 1)
            'FanOut ms (p95)' = [Math]::Round($f.P95, 1)
                'FanOut ms (p95)' = [Math]::Round($f.P95, 1)
                'ms (med)'        = [Math]::Round($c.Median, 1)
                'ms (p95)'        = [Math]::Round($c.P95, 1)
                'Ratio (med)'     = [Math]::Round($c.Median / $f.Median, 1)
                'Ratio (p95)'     = [Math]::Round($c.P95 / $f.Median, 1)
            }
        }
    }
}
Write-BenchTable "One transaction each, $Iterations times, against one empty Invoke-Command fan-out over the same sessions (median):" $rows
