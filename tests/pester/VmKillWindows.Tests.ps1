#Requires -Modules Pester
# Failures at the worst moment, caused the way a hostile operator would: an agent killed (Stop-Process -Force,
# SIGKILL) at a chosen delay into a change on a 4-node cluster. A window is a few milliseconds wide, so each test
# retries across a range of delays — later when the kill came before the window, earlier when after — until the
# kill lands inside it, and says how many tries it took.

BeforeAll {
    Import-Module VolumeManager -ErrorAction Stop
    Import-Module (Join-Path $PSScriptRoot 'VolumeManager.TestHelpers.psm1') -Force
    $script:cluster = New-TestCluster -NodeCount 4 -DiskCount 6 -FailureTimeout ([TimeSpan]::FromSeconds(6)) -Faults
    New-VmDiskGroup -Name dgk -Disk d01, d02, d03, d04 -Shared | Out-Null
    New-VmVolume -DiskGroup dgk -Name written -Size 8MB -Mirror 2 | Out-Null

    function Get-AgentPid([string] $Node) {
        [int](Get-Content -LiteralPath (Join-Path (Get-StateDirectory $script:cluster $Node) 'vmconfigd.pid'))
    }

    # The newest transaction a node's agent knows, with its phases (the coordinator notes each member's Prepared and Committed).
    function Get-LastTransaction([string] $Node) {
        @(Get-TestTransaction -Cluster $script:cluster -Node $Node)[-1]
    }

    function Test-Acknowledged($Record, [string] $Node) {
        @($Record.phases | Where-Object { $_.node -eq $Node -and $_.phase -eq 'Committed' }).Count -gt 0
    }

    # Runs $Change (given the cluster) in a thread job; returns once it started.
    function Start-Change([scriptblock] $Change) {
        $sync = [hashtable]::Synchronized(@{ Started = $false })
        $job = Start-ThreadJob -ArgumentList $script:cluster, $sync, $Change -ScriptBlock {
            param($cluster, $sync, $change)
            $sync.Started = $true
            $clock = [Diagnostics.Stopwatch]::StartNew()
            $output = & ([scriptblock]::Create($change)) $cluster
            [pscustomobject]@{ Output = @($output); Milliseconds = $clock.Elapsed.TotalMilliseconds }
        }
        while (-not $sync.Started) { [Threading.Thread]::Sleep(1) }
        $job
    }

    function Wait-Milliseconds([int] $Milliseconds) {
        $clock = [Diagnostics.Stopwatch]::StartNew()
        while ($clock.Elapsed.TotalMilliseconds -lt $Milliseconds) { [Threading.Thread]::SpinWait(200) }
    }

    # Runs $Change and kills $Victim's agent $Delay ms after the change started.
    function Invoke-KilledChange([scriptblock] $Change, [string] $Victim, [int] $Delay) {
        $agent = Get-AgentPid $Victim
        $job = Start-Change $Change
        Wait-Milliseconds $Delay
        Stop-Process -Id $agent -Force
        Receive-Change $job $Delay
    }

    function Receive-Change($Job, [int] $Delay) {
        $result = $Job | Receive-Job -Wait -AutoRemoveJob
        [pscustomobject]@{
            Objects      = @($result.Output | Where-Object { $_ -isnot [Management.Automation.ErrorRecord] -and $_ -isnot [Management.Automation.WarningRecord] })
            Errors       = @($result.Output | Where-Object { $_ -is [Management.Automation.ErrorRecord] })
            Warnings     = @($result.Output | Where-Object { $_ -is [Management.Automation.WarningRecord] } | ForEach-Object Message)
            Milliseconds = $result.Milliseconds
            Delay        = $Delay
        }
    }

    # kill(2) straight from this process: spawning /bin/kill takes longer than the window the signals aim at.
    Add-Type -TypeDefinition @'
using System.Runtime.InteropServices;
public static class KillWindowSignals
{
    [DllImport("libc", SetLastError = true)] private static extern int kill(int pid, int signal);
    public static void Stop(int pid) => Check(kill(pid, 19));
    public static void Continue(int pid) => Check(kill(pid, 18));
    private static void Check(int result) { if (result != 0) throw new System.ComponentModel.Win32Exception(Marshal.GetLastWin32Error()); }
}
'@

    # Stops $Agent (SIGSTOP) at 1 ms steps while $Job runs and asks $Where where the change stands: 'Landed' kills the
    # stopped agent; 'Late', or the change ending first, lets it go on.
    function Stop-InWindow([int] $Agent, $Job, [scriptblock] $Where) {
        while ($true) {
            [KillWindowSignals]::Stop($Agent)
            $verdict = & $Where
            if ($verdict -eq 'Landed') { Stop-Process -Id $Agent -Force; return $verdict }
            [KillWindowSignals]::Continue($Agent)
            if ($verdict) { return $verdict }
            if ($Job.State -ne 'Running') { return 'Late' }
            Wait-Milliseconds 1
        }
    }

    # Runs $Change and kills $Victim's agent once the master has decided the change and before $Victim acknowledged
    # it. That window is a few milliseconds wide, narrower than a kill's timing jitter on a busy machine, so instead
    # of aiming at it the victim is stopped (SIGSTOP) at small steps into the change and the master asked where the
    # change stands: a stopped victim holds the window open. Says 'Landed', or 'Late' when the victim acknowledged
    # before it could be stopped.
    function Invoke-KilledAtDecision([scriptblock] $Change, [string] $Victim, [int] $Delay) {
        $master = (Get-VmCluster).Master
        $before = (Get-LastTransaction $master).transaction.id
        $agent = Get-AgentPid $Victim
        $job = Start-Change $Change
        Wait-Milliseconds $Delay
        $verdict = Stop-InWindow $agent $job { Find-Decision -Master $master -Victim $Victim -Before $before }
        [pscustomobject]@{ Verdict = $verdict; Run = (Receive-Change $job $Delay) }
    }

    # Runs $Change and kills the master's agent once every member may have prepared it and before the successor was
    # told to commit: the master is stopped (SIGSTOP) at small steps into the change and the successor asked where
    # the change stands. A notice already on its way reaches the successor while the master is stopped, so the
    # successor is asked twice, 20 ms apart. Says 'Landed' when the change then failed with MasterChanged, 'Late'
    # when the successor was told before the master could be stopped.
    function Invoke-KilledBeforeNotice([scriptblock] $Change, [string] $Victim, [int] $Delay) {
        $successor = (Select-Roles)[1]
        $before = (Get-LastTransaction $successor).transaction.id
        $agent = Get-AgentPid $Victim
        $job = Start-Change $Change
        Wait-Milliseconds $Delay
        $verdict = Stop-InWindow $agent $job { Find-Prepared -Node $successor -Before $before }
        $run = Receive-Change $job $Delay
        if ($verdict -eq 'Landed' -and $run.Errors.FullyQualifiedErrorId -notlike 'MasterChanged,*') { $verdict = 'Late' }
        [pscustomobject]@{ Verdict = $verdict; Run = $run }
    }

    # 'Landed' when $Node holds the change after $Before prepared and still does 20 ms later, 'Late' once it
    # went past Prepared, $null before it prepared.
    function Find-Prepared([string] $Node, [string] $Before) {
        $record = Get-LastTransaction $Node
        if ($record.transaction.id -eq $Before) { return $null }
        if ($record.state -ne 'Prepared') { return ($record.state -in 'Committed', 'Aborted') ? 'Late' : $null }
        [Threading.Thread]::Sleep(20)
        ((Get-LastTransaction $Node).state -eq 'Prepared') ? 'Landed' : 'Late'
    }

    # Kills $Victim's agent (a script block naming it) with $Kill (Invoke-KilledAtDecision or
    # Invoke-KilledBeforeNotice), starting the stops earlier into the change on each try; $null after 8 tries that
    # did not land. $Undo runs after every try that did not land.
    function Invoke-UntilStoppedKill([scriptblock] $Change, [scriptblock] $Undo, [scriptblock] $Victim, [string] $Kill = 'Invoke-KilledAtDecision') {
        $took = Measure-Change $Change $Undo
        for ($try = 1; $try -le 8; $try++) {
            $node = & $Victim
            $delay = [int]($took * 0.4 / $try)
            $killed = & $Kill -Change $Change -Victim $node -Delay $delay
            Write-Host "    try ${try}: $node stopped from $delay ms in: $($killed.Verdict) ($([int]$killed.Run.Milliseconds) ms)"
            if ($killed.Verdict -eq 'Landed') { return [pscustomobject]@{ Run = $killed.Run; Victim = $node; Tries = $try } }
            Restore-TestCluster -Cluster $script:cluster
            & $Undo
        }
        $null
    }

    # Asks the master, while the victim is stopped, whether the change is decided ('Landed') or acknowledged by the
    # victim ('Late'); $null when it is not decided yet. Waits a little only once the victim has prepared, since the
    # other members may still be preparing.
    function Find-Decision([string] $Master, [string] $Victim, [string] $Before) {
        $clock = [Diagnostics.Stopwatch]::StartNew()
        do {
            $record = Get-LastTransaction $Master
            if ($record.transaction.id -eq $Before) { return $null }
            if (Test-Acknowledged $record $Victim) { return 'Late' }
            if (@($record.phases | Where-Object { $_.node -eq $Victim -and $_.phase -eq 'Prepared' }).Count -eq 0) { return $null }
            if (@($record.phases | Where-Object { $_.node -eq $Master -and $_.phase -eq 'Decided' }).Count -gt 0) { return 'Landed' }
            [Threading.Thread]::Sleep(5)
        } while ($clock.Elapsed.TotalMilliseconds -lt 100)
        $null
    }

    # How long $Change takes unharmed here and now (it is undone after): the kill windows sit in its later part.
    function Measure-Change([scriptblock] $Change, [scriptblock] $Undo) {
        $clock = [Diagnostics.Stopwatch]::StartNew()
        & $Change $script:cluster | Out-Null
        $ms = [int]$clock.Elapsed.TotalMilliseconds
        & $Undo
        $ms
    }

    # Retries the killed change across delays until $Classify (given the run) says 'Landed': after an 'Early' kill
    # the next delay is later, after a 'Late' one earlier, halving the step each time the verdict turns and doubling
    # it back (up to the first step) while it repeats, since the window drifts as the cluster warms up. $Undo runs
    # after every try that did not land (it removes what the change made).
    function Invoke-UntilLanded {
        param([scriptblock] $Change, [scriptblock] $Victim, [scriptblock] $Classify, [scriptblock] $Undo = {}, [int] $Delay = 60, [int] $Step = 40, [int] $MaxTries = 30)
        $last = $null
        $widest = $Step
        for ($try = 1; $try -le $MaxTries; $try++) {
            $node = & $Victim
            $run = Invoke-KilledChange -Change $Change -Victim $node -Delay $Delay
            $verdict = & $Classify $run $node
            Write-Host "    try ${try}: $node killed $Delay ms in: $verdict ($([int]$run.Milliseconds) ms)"
            if ($verdict -eq 'Landed') { return [pscustomobject]@{ Run = $run; Victim = $node; Tries = $try } }
            if ($null -ne $last -and $last -ne $verdict) { $Step = [Math]::Max(2, [int]($Step / 2)) }
            elseif ($last -eq $verdict) { $Step = [Math]::Min($widest, $Step * 2) }
            $last = $verdict
            $Delay = [Math]::Max(0, $Delay + ($verdict -eq 'Early' ? $Step : -$Step))
            Restore-TestCluster -Cluster $script:cluster
            & $Undo
        }
        throw "the kill did not land inside the window in $MaxTries tries"
    }
}

AfterAll {
    $script:cluster | Remove-TestCluster
}

Describe 'Failures at the worst moment, on real processes' {
    AfterEach {
        Restore-TestCluster -Cluster $script:cluster
        Assert-ClusterConsistent -Cluster $script:cluster | Out-Null
    }

    It 'finishes a decided change at once when its successor is killed, while a healthy node keeps writing' {
        $master, $successor, $other, $writerNode = Select-Roles
        $stop = [hashtable]::Synchronized(@{ Stop = $false; Failed = 0; Written = 0 })
        $writer = Start-ThreadJob -ArgumentList $stop, (Get-StateDirectory $script:cluster $writerNode) -ScriptBlock {
            param($stop, $state)
            $vm = Import-Module VolumeManager -PassThru
            $request = @{ kind = 'VolumeWriteRequest'; diskGroup = 'dgk'; volume = 'written'; offset = 0; data = [Convert]::ToBase64String([byte[]]::new(4KB)) } | ConvertTo-Json -Compress
            while (-not $stop.Stop) {
                if ((& $vm { param($r, $s) Invoke-VmAgentRequest -Request $r -StateDirectory $s } $request $state | ConvertFrom-Json).ok) { $stop.Written++ } else { $stop.Failed++ }
            }
        }
        try {
            $change = { param($c) New-VmVolume -Cluster $c -DiskGroup dgk -Name ksucc -Size 4MB -Mirror 2 -ErrorAction Continue 2>&1 3>&1 }
            $undo = { Remove-VmVolume -DiskGroup dgk -Name ksucc -Confirm:$false -ErrorAction Ignore }
            $landed = Invoke-UntilStoppedKill -Change $change -Undo $undo -Victim { (Select-Roles)[1] }
            $landed | Should -Not -BeNullOrEmpty -Because 'the successor is stopped before it acknowledges'
            $landed.Run.Errors | Should -BeNullOrEmpty
            Write-Host "    the successor's kill landed after the decision in $($landed.Tries) tries; the change returned in $([int]$landed.Run.Milliseconds) ms"
            $landed.Run.Objects.Name | Should -Be 'ksucc'
            (Get-VmNode -Name $landed.Victim).State | Should -Be 'Down' -Because 'the master finished without waiting for the dead successor to be evicted'
            $healthy = @(Get-VmNode | Where-Object State -eq 'Joined')
            $healthy.Count | Should -Be 3
            @($healthy.Generation | Sort-Object -Unique).Count | Should -Be 1
            $record = Get-VmTransaction -Node $writerNode | Select-Object -Last 1
            $record.State | Should -Be 'Committed'
            $record.FreezeMilliseconds | Should -BeGreaterThan 0
        }
        finally {
            $stop.Stop = $true
            $writer | Wait-Job | Remove-Job
        }
        $stop.Failed | Should -Be 0 -Because 'a write on a healthy node waits at the gate during a change, it never fails'
        $stop.Written | Should -BeGreaterThan 0
        Restore-TestCluster -Cluster $script:cluster
        (Get-VmVolume -DiskGroup dgk -Node $landed.Victim | Where-Object Name -eq 'ksucc') | Should -Not -BeNullOrEmpty
        Remove-VmVolume -DiskGroup dgk -Name ksucc -Confirm:$false
    }

    It 'records a commit at the same generation on a slave killed after it prepared, once it rejoins' {
        $change = { param($c) New-VmVolume -Cluster $c -DiskGroup dgk -Name kprep -Size 4MB -ErrorAction Continue 2>&1 3>&1 }
        $undo = { Remove-VmVolume -DiskGroup dgk -Name kprep -Confirm:$false -ErrorAction Ignore }
        $landed = Invoke-UntilStoppedKill -Change $change -Undo $undo -Victim { (Select-Roles)[-1] }
        $landed | Should -Not -BeNullOrEmpty -Because 'the slave is stopped after it prepared and before it acknowledges'
        Write-Host "    the slave's kill landed after it prepared and before it committed in $($landed.Tries) tries"
        $id = (Get-LastTransaction (Get-VmCluster).Master).transaction.id
        Restore-TestCluster -Cluster $script:cluster
        $generations = foreach ($node in Get-VmNode) { Get-VmTransaction -Node $node.Name -Id $id }
        $generations.State | Sort-Object -Unique | Should -Be 'Committed'
        @($generations.Generation | Sort-Object -Unique).Count | Should -Be 1 -Because "every member records $id at the generation it made, $($landed.Victim) too"
        ($generations | Where-Object Node -eq $landed.Victim).Generation | Should -BeGreaterThan 0
        Remove-VmVolume -DiskGroup dgk -Name kprep -Confirm:$false
    }

    It 'returns the plex from Add-VmMirror when the master is killed, whoever completes the change' {
        New-VmVolume -DiskGroup dgk -Name kmirror -Size 8MB | Out-Null
        $change = { param($c) Add-VmMirror -Cluster $c -DiskGroup dgk -Volume kmirror -ErrorAction Continue 2>&1 3>&1 }
        $landed = Invoke-UntilLanded -Change $change -Victim { (Get-VmCluster).Master } -Delay 80 -Undo {
            foreach ($plex in @(Get-VmPlex -DiskGroup dgk -Volume kmirror | Select-Object -Skip 1)) { Remove-VmMirror -DiskGroup dgk -Volume kmirror -Plex $plex.Name -Confirm:$false }
        } -Classify {
            param($run, $victim)
            ($run.Warnings -join "`n") | Should -Not -Match 'was removed before its resynchronisation finished'
            if ($run.Errors.Count -gt 0) { return 'Early' }
            $run.Objects.State | Should -Be 'Active' -Because 'a completed Add-VmMirror returns its plex once resynchronised, even on a new master'
            if (($run.Warnings -join "`n") -match "MasterChanged: master $victim went away") { 'Landed' } else { 'Late' }
        }
        Write-Host "    the master's kill landed inside Add-VmMirror's commit in $($landed.Tries) tries"
        ($landed.Run.Warnings -join "`n") | Should -Match "completed it"
        @(Get-VmPlex -DiskGroup dgk -Volume kmirror).State | Should -Be @('Active', 'Active')
        Remove-VmVolume -DiskGroup dgk -Name kmirror -Confirm:$false
    }

    It 'reports a MasterChanged abort naming the master once, as soon as the successor has settled it' {
        $change = { param($c) New-VmVolume -Cluster $c -DiskGroup dgk -Name kabort -Size 4MB -ErrorAction Continue 2>&1 3>&1 }
        $undo = { Remove-VmVolume -DiskGroup dgk -Name kabort -Confirm:$false -ErrorAction Ignore }
        $landed = Invoke-UntilStoppedKill -Change $change -Undo $undo -Victim { (Get-VmCluster).Master } -Kill 'Invoke-KilledBeforeNotice'
        $landed | Should -Not -BeNullOrEmpty -Because 'the master is stopped after the members prepared and before the successor is told'
        Write-Host "    the master's kill landed between the commit request and the successor's notice in $($landed.Tries) tries; the change returned in $([int]$landed.Run.Milliseconds) ms (failure timeout 6000 ms)"
        $error0 = $landed.Run.Errors[0]
        $error0.TargetObject | Should -Be $landed.Victim
        ([regex]::Matches($error0.ToString(), "node $($landed.Victim)\b")).Count | Should -Be 1
        $error0.ToString() | Should -Match "master $($landed.Victim) went away during the change; n\d aborted it"
        Get-VmVolume -DiskGroup dgk | Where-Object Name -eq 'kabort' | Should -BeNullOrEmpty
    }
}

Describe 'What the administrator reads during and after failures' {
    It 'shows the same generation for every Joined node right after each change' {
        foreach ($i in 1..5) {
            New-VmVolume -DiskGroup dgk -Name "kgen$i" -Size 1MB | Out-Null
            @((Get-VmNode | Where-Object State -eq 'Joined').Generation | Sort-Object -Unique).Count | Should -Be 1 -Because "after change $i every member has applied it"
        }
        foreach ($i in 1..5) { Remove-VmVolume -DiskGroup dgk -Name "kgen$i" -Confirm:$false }
    }

    It 'reads AgentNotRunning and AgentWentAway one way each, naming the node once' {
        $master, $successor, $other, $last = Select-Roles
        Stop-Process -Id (Get-AgentPid $last) -Force
        Wait-Until { (Get-VmNode -Name $last).State -eq 'Down' } -Because "$last to be Down"
        New-VmVolume -DiskGroup dgk -Name knot -Size 1MB -ErrorVariable failed -ErrorAction SilentlyContinue | Out-Null
        $failed[0].FullyQualifiedErrorId | Should -BeLike 'AgentNotRunning,*'
        $failed[0].ToString() | Should -Be "node ${last}: the agent is not running (no vmconfigd answers there, or it has not joined the cluster)."
        Restore-TestCluster -Cluster $script:cluster

        Set-TestFault -Cluster $script:cluster -Node $other -Rule 'crash-before:ReplyCheckRequest'
        New-VmVolume -DiskGroup dgk -Name kaway -Size 1MB -ErrorVariable failed -ErrorAction SilentlyContinue | Out-Null
        $failed[0].FullyQualifiedErrorId | Should -BeLike 'AgentWentAway,*'
        $failed[0].TargetObject | Should -Be $other
        $failed[0].ToString() | Should -Be "node ${other}: the agent went away during the change."
        Restore-TestCluster -Cluster $script:cluster
        Remove-VmVolume -DiskGroup dgk -Name kaway -Confirm:$false -ErrorAction Ignore
    }

    It 'offers two sizes that read differently for a size that is not whole sectors' {
        New-VmVolume -DiskGroup dgk -Name kodd -Size 1048676 -ErrorVariable failed -ErrorAction SilentlyContinue | Out-Null
        $failed[0].FullyQualifiedErrorId | Should -BeLike 'InvalidSize,*'
        $failed[0].ToString() | Should -Match 'use 1048576 or 1049088 bytes\.'
    }

    It 'makes a read from one unreachable node a non-terminating error naming it' {
        $master, $successor, $other, $last = Select-Roles
        Stop-Process -Id (Get-AgentPid $last) -Force
        Wait-Until { (Get-VmNode -Name $last).State -eq 'Down' } -Because "$last to be Down"
        $read = { Get-VmVolume -DiskGroup dgk -Node $last -ErrorAction SilentlyContinue -ErrorVariable failed; 'went on'; $failed }
        $output = & $read
        $output | Should -Contain 'went on'
        $failure = $output | Where-Object { $_ -is [Management.Automation.ErrorRecord] } | Select-Object -First 1
        $failure.TargetObject | Should -Be $last
        $failure.FullyQualifiedErrorId | Should -BeLike 'AgentNotRunning,*'
        Restore-TestCluster -Cluster $script:cluster
    }
}
