# Copies after failures, each against a baseline measured in the same run on the same cluster:
#  1. a node's agent killed (kill -9) during a fio write loop on a 512 MiB mirror: the recovery's time with a dirty
#     region log against the same without one (the whole volume copied);
#  2. fio on a mirrored volume while a plex is resynchronised against fio on the same volume with no copy running.
param([int] $MiB = 512, [int] $Seconds = 3, [int] $Rounds = 3)

function Get-Ratio([double] $Value, [double] $Baseline) { if ($Baseline -gt 0) { [Math]::Round($Value / $Baseline, 2) } else { 0 } }

if (-not (Get-Command fio -ErrorAction Ignore)) { Write-Warning 'Resync benchmark skipped: fio is needed (apt-get install fio).'; return }

Use-BenchCluster -NodeCount 3 -DiskCount 4 -DiskSize (($MiB + 8) * 1MB) -FailureTimeout ([TimeSpan]::FromSeconds(3)) -Body {
    param($cluster, $path)
    New-VmDiskGroup -Name bres -Disk d01, d02, d03, d04 -Shared | Out-Null
    $writer = @(Get-VmNode | Where-Object Name -ne (Get-VmCluster).Master | Sort-Object Name)[0].Name

    # fio writes 64 KiB at random over the first 32 MiB through $writer until its agent is killed; then the seconds the
    # coordinating node's recovery took (its own clock, from start to completion) and how much it copied.
    function Measure-Recovery([string] $Volume) {
        $uri = (Get-VmVolume -DiskGroup bres -Name $Volume -Node $writer).NbdUri
        $fio = Start-Process fio -PassThru -RedirectStandardOutput (Join-Path $path "$Volume.fio") -RedirectStandardError (Join-Path $path "$Volume.err") -ArgumentList @(
            '--name=crash', '--ioengine=nbd', "--uri=$uri", '--rw=randwrite', '--bs=64k', '--iodepth=8', '--size=32M', '--time_based', '--runtime=600',
            '--eta=always', '--eta-newline=1')
        $master = (Get-VmCluster).Master
        $before = @(@((Get-BenchKernel $path $master).resyncs) | ForEach-Object id)
        # Killed once fio reports writes going on (its start under load takes a while), $Seconds later.
        $started = [Diagnostics.Stopwatch]::StartNew()
        do { Start-Sleep -Milliseconds 200 } until ($fio.HasExited -or $started.Elapsed.TotalSeconds -gt 30 -or
            ((Get-Content (Join-Path $path "$Volume.fio") -Raw -ErrorAction Ignore) -match '\]\[w=[1-9]'))
        if ($fio.HasExited) { throw "fio on $Volume ended before the kill: $(Get-Content (Join-Path $path "$Volume.err") -Raw)" }
        Start-Sleep -Seconds $Seconds
        $killed = [Diagnostics.Stopwatch]::StartNew()
        Stop-Process -Id (Get-VmNode -Name $writer).AgentProcessId -Force
        if (-not $fio.WaitForExit(30000)) { Stop-Process -Id $fio.Id -Force }
        do {
            Start-Sleep -Milliseconds 50
            $task = @((Get-BenchKernel $path $master).resyncs) | Where-Object { $_.kind -eq 'Recovery' -and $_.volume -eq $Volume -and $_.state -eq 'Completed' -and $_.id -notin $before } | Select-Object -First 1
        } until ($task -or $killed.Elapsed.TotalSeconds -gt 120)
        $wall = $killed.Elapsed.TotalSeconds
        Write-Verbose "$Volume recovered in $wall s; restarting $writer"
        Add-VmNode -Name $writer | Out-Null
        Write-Verbose "$writer started"
        do { Start-Sleep -Milliseconds 200 } until (-not (Get-VmNode | Where-Object State -ne 'Joined') -or $killed.Elapsed.TotalSeconds -gt 120)
        Write-Verbose "all joined: $((Get-VmNode | ForEach-Object { "$($_.Name)=$($_.State)" }) -join ' ')"
        if (-not $task) { throw "no recovery of $Volume completed within 120 s" }
        [pscustomobject]@{
            Seconds = ([DateTimeOffset] $task.updated - [DateTimeOffset] $task.started).TotalSeconds
            Wall = $wall; Regions = $task.regionsCopied; MiB = [Math]::Round($task.doneBytes / 1MB, 1)
        }
    }

    # One volume at a time: a node's death also copies every other mirror without a log whole, which would overlap.
    $runs = @{ logged = @(); bare = @() }
    foreach ($round in 1..$Rounds) {
        foreach ($volume in 'logged', 'bare') {
            New-VmVolume -DiskGroup bres -Name $volume -Size ($MiB * 1MB) -Mirror 2 -Log ($volume -eq 'logged' ? 'Drl' : 'None') | Out-Null
            $runs[$volume] += Measure-Recovery $volume
            Remove-VmVolume -DiskGroup bres -Name $volume -Confirm:$false | Out-Null
        }
    }
    $row = { param($name, $volume)
        $r = $runs[$volume]
        [pscustomobject]@{
            Volume = $name; 'Copy s (med)' = [Math]::Round((Get-Stats $r.Seconds).Median, 2); 'Kill to done s (med)' = [Math]::Round((Get-Stats $r.Wall).Median, 2)
            'MiB copied' = (Get-Stats $r.MiB).Median; Regions = (Get-Stats $r.Regions).Median
        } }
    $logged = & $row 'dirty region log' 'logged'
    $bare = & $row 'no log' 'bare'
    Write-BenchTable "Recovery of a $MiB MiB 2-way mirror after node $writer's agent was killed during fio random writes over 32 MiB, median of $Rounds (ratio: with a log / without):" @(
        $logged, $bare,
        [pscustomobject]@{ Volume = 'ratio'; 'Copy s (med)' = Get-Ratio $logged.'Copy s (med)' $bare.'Copy s (med)'; 'Kill to done s (med)' = Get-Ratio $logged.'Kill to done s (med)' $bare.'Kill to done s (med)' })

    # fio on a mirror while its new plex is copied, against the same fio once the copy is done.
    function Invoke-Fio([string] $Uri) {
        $out = Join-Path $path 'fio.json'
        fio --name=bench --ioengine=nbd "--uri=$Uri" --rw=randwrite --bs=64k --iodepth=8 "--size=$($MiB)M" --time_based "--runtime=$Seconds" --output-format=json "--output=$out" 2>&1 | Out-Null
        if ($LASTEXITCODE -ne 0) { throw "fio exited with $LASTEXITCODE" }
        [Math]::Round((Get-Content $out -Raw | ConvertFrom-Json).jobs[0].write.bw / 1024, 1)
    }
    $during = @(); $after = @(); $overlap = @()
    foreach ($round in 1..$Rounds) {
        New-VmVolume -DiskGroup bres -Name busy -Size ($MiB * 1MB) | Out-Null
        $uri = (Get-VmVolume -DiskGroup bres -Name busy -Node $writer).NbdUri
        $plex = Add-VmMirror -DiskGroup bres -Volume busy -NoWait
        $during += Invoke-Fio $uri
        $overlap += [int]((Get-VmPlex -DiskGroup bres -Volume busy -Name $plex.Name).State -eq 'Stale')
        do { Start-Sleep -Milliseconds 200 } until ((Get-VmPlex -DiskGroup bres -Volume busy -Name $plex.Name).State -eq 'Active')
        $after += Invoke-Fio $uri
        Remove-VmVolume -DiskGroup bres -Name busy -Confirm:$false | Out-Null
    }
    $d = (Get-Stats $during).Median
    $a = (Get-Stats $after).Median
    Write-BenchTable "fio random 64 KiB writes (iodepth 8) through $writer on a $MiB MiB mirror, $Seconds s, median of $Rounds (copy still running at fio's end in $(($overlap | Measure-Object -Sum).Sum) of $Rounds):" ([pscustomobject]@{
            'MiB/s during resync' = $d; 'MiB/s without' = $a; 'during/without' = Get-Ratio $d $a })
}
