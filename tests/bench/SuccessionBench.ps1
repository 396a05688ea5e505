# A decided change whose successor dies (its agent ends just before acknowledging the commit, as a kill would): the
# longest stall a writer on a healthy node sees, against the failure timeout the master used to wait out, and the
# freeze the transaction record reports against that stall (also for a commit held back a second, where the freeze is
# long enough to compare to the writer's measure). Baseline: the same change with no one dying.
param([int] $Rounds = 5)

Use-BenchCluster -NodeCount 4 -DiskCount 4 -DiskSize 256MB -FailureTimeout ([TimeSpan]::FromSeconds(6)) -Faults -Body {
    param($cluster, $path)
    New-VmDiskGroup -Name bsucc -Disk d01, d02, d03, d04 -Shared | Out-Null
    New-VmVolume -DiskGroup bsucc -Name written -Size 8MB -Mirror 2 | Out-Null
    $master = (Get-VmCluster).Master
    $successor, $other, $writerNode = @(Get-VmNode | Where-Object Name -ne $master | Sort-Object Rank).Name
    $state = { param($node) Join-Path $path 'nodes' $node 'state' }

    # 4 KiB writes through the healthy node's kernel, each one's end time and latency kept.
    $log = [hashtable]::Synchronized(@{ Stop = $false; Writes = [Collections.Generic.List[object]]::new() })
    $writer = Start-ThreadJob -ArgumentList $log, (& $state $writerNode) -ScriptBlock {
        param($log, $state)
        $request = @{ kind = 'VolumeWriteRequest'; diskGroup = 'bsucc'; volume = 'written'; offset = 0; data = [Convert]::ToBase64String([byte[]]::new(4KB)) } | ConvertTo-Json -Compress
        $vm = Import-Module VolumeManager -PassThru
        $clock = [Diagnostics.Stopwatch]::StartNew()
        while (-not $log.Stop) {
            $start = $clock.Elapsed.TotalMilliseconds
            & $vm { param($r, $s) Invoke-VmAgentRequest -Request $r -StateDirectory $s } $request $state | Out-Null
            $end = $clock.Elapsed.TotalMilliseconds
            $log.Writes.Add([pscustomobject]@{ End = $end; Ms = $end - $start })
        }
    }
    function Send-Fault([string] $Node, [hashtable] $Request) {
        Invoke-BenchAgentRequest -Request ($Request | ConvertTo-Json -Compress) -StateDirectory (& $state $Node) | Out-Null
    }
    # Kill: the successor dies before acknowledging. Hold: the master holds its commit notices for a second, a long
    # freeze against which the record's account of it is checked.
    function Invoke-Round([string] $Name, [bool] $Kill, [bool] $Hold = $false) {
        if ($Kill) { Send-Fault $successor @{ kind = 'FaultRequest'; arm = 'crash-before:CommitAck' } }
        if ($Hold) { Send-Fault $master @{ kind = 'FaultRequest'; arm = 'hold-before:CommitNotice' } }
        $from = $log.Writes.Count
        $took = Measure-Ms {
            $change = Start-ThreadJob -ArgumentList $cluster, $Name -ScriptBlock { param($c, $n) New-VmVolume -Cluster $c -DiskGroup bsucc -Name $n -Size 4MB -Mirror 2 }
            if ($Hold) { Start-Sleep -Seconds 1; Send-Fault $master @{ kind = 'FaultRequest'; release = $true } }
            $change | Receive-Job -Wait -AutoRemoveJob
        }
        Start-Sleep -Milliseconds 300
        $during = @($log.Writes.GetRange($from, $log.Writes.Count - $from))
        $typical = (Get-Stats ($during | ForEach-Object Ms)).Median
        # A write that met the closed gate took its usual time plus the wait: the stall is the excess.
        $stall = ($during | Measure-Object Ms -Maximum).Maximum - $typical
        $freeze = (Get-VmTransaction -Node $writerNode | Select-Object -Last 1).FreezeMilliseconds
        if ($Kill) { Add-VmNode -Name $successor | Out-Null }
        Remove-VmVolume -DiskGroup bsucc -Name $Name -Confirm:$false
        [pscustomobject]@{
            Round                    = $Name
            'Successor killed'       = $Kill
            'Commit held 1 s'        = $Hold
            'Change ms'              = [int]$took
            'Writer median ms'       = [int]$typical
            'Longest write stall ms' = [int]$stall
            'Recorded freeze ms'     = [int]$freeze
            'Freeze / stall'         = [Math]::Round($freeze / [Math]::Max(1, $stall), 2)
            'Stall / failure timeout' = [Math]::Round($stall / 6000, 3)
        }
    }
    try {
        Start-Sleep -Milliseconds 500
        $rows = @(foreach ($i in 1..$Rounds) { Invoke-Round "base$i" $false }) + @(foreach ($i in 1..$Rounds) { Invoke-Round "kill$i" $true }) +
            @(foreach ($i in 1..3) { Invoke-Round "hold$i" $false $true })
    }
    finally {
        $log.Stop = $true
        $writer | Wait-Job | Remove-Job
    }
    Write-BenchTable "Successor killed after the decision, 4 nodes, failure timeout 6 s; a writer on healthy node $writerNode (baseline: no one dies):" $rows
}
