#Requires -Modules Pester
# The failure contract of docs/ARCHITECTURE.md, caused for real on a 3-node cluster over SSH endpoints:
# agents killed (by the fault hook's crash, which ends the process as a kill does, at an exact protocol
# step), nodes leaving, the master going away. Every test ends by checking the invariants.

BeforeAll {
    Import-Module VolumeManager -ErrorAction Stop
    Import-Module (Join-Path $PSScriptRoot 'VolumeManager.TestHelpers.psm1') -Force
    $script:cluster = New-TestCluster -Transport Ssh -Faults -FailureTimeout ([TimeSpan]::FromSeconds(3))

    function Invoke-Change([string] $Name, [string[]] $Disk = @('d01')) {
        $errors = $null
        $warnings = $null
        $output = New-VmDiskGroup -Name $Name -Disk $Disk -Shared -ErrorVariable errors -ErrorAction SilentlyContinue -WarningVariable warnings -WarningAction SilentlyContinue
        [pscustomobject]@{ Output = $output; Errors = @($errors); Warnings = @($warnings) }
    }

    # Kills a node's agent and waits until the failure timeout has evicted it.
    function Stop-AndEvict([string] $Node) {
        Stop-Process -Id (Get-VmNode -Name $Node).AgentProcessId -Force
        Wait-Until { (Get-VmNode -Name $Node).State -eq 'Left' } -Because "$Node to be evicted"
    }

    # One failing node's error: its id, the node as TargetObject, and the node named in the message.
    function Assert-NodeError($ErrorRecord, [string] $Id, [string] $Node) {
        $ErrorRecord.FullyQualifiedErrorId | Should -BeLike "$Id,*"
        $ErrorRecord.TargetObject | Should -Be $Node
        $ErrorRecord.ToString() | Should -Match "node $Node"
    }

    function Test-NoGroup([string] $Name) {
        foreach ($node in 'n1', 'n2', 'n3') { Get-VmDiskGroup -Node $node | Where-Object Name -eq $Name | Should -BeNullOrEmpty }
    }
}

AfterAll {
    $script:cluster | Remove-TestCluster
}

Describe 'The failure contract on real processes' {
    AfterEach {
        Restore-TestCluster -Cluster $script:cluster
        Assert-ClusterConsistent -Cluster $script:cluster | Out-Null
    }

    It 'fails with AgentWentAway naming the slave whose agent dies during checks; nothing is half-applied' {
        $before = Assert-ClusterConsistent -Cluster $script:cluster
        Set-TestFault -Cluster $script:cluster -Node n2 -Rule 'crash-before:ReplyCheckRequest'
        $result = Invoke-Change 'dgcheckdeath'
        $result.Errors.Count | Should -BeGreaterOrEqual 1
        Assert-NodeError $result.Errors[0] -Id AgentWentAway -Node n2
        Restore-TestCluster -Cluster $script:cluster
        Assert-ClusterConsistent -Cluster $script:cluster | Should -Be $before
        Test-NoGroup 'dgcheckdeath'
    }

    It 'fails with AgentWentAway naming the slave whose agent dies after it prepared, and it settles the change on rejoin' {
        $before = Assert-ClusterConsistent -Cluster $script:cluster
        Set-TestFault -Cluster $script:cluster -Node n3 -Rule 'crash-before:Prepared'
        $result = Invoke-Change 'dgprepdeath'
        $result.Errors.Count | Should -Be 1
        Assert-NodeError $result.Errors[0] -Id AgentWentAway -Node n3
        $id = (Get-VmTransaction -Node n1)[-1].Id
        Restore-TestCluster -Cluster $script:cluster
        Assert-ClusterConsistent -Cluster $script:cluster | Should -Be $before
        Test-NoGroup 'dgprepdeath'
        (Get-VmTransaction -Node n3 -Id $id).State | Should -Be 'Aborted' -Because 'n3 held a PREPARED record and learned the outcome when it rejoined'
    }

    It 'fails with NodeLeft when a slave leaves during checks' {
        $before = Assert-ClusterConsistent -Cluster $script:cluster
        Set-TestFault -Cluster $script:cluster -Node n3 -Rule 'hold-before:ReplyCheckRequest'
        $job = Start-ThreadJob -ScriptBlock {
            param($cluster)
            New-VmDiskGroup -Cluster $cluster -Name dgleave -Disk d01 -Shared -ErrorVariable e -ErrorAction SilentlyContinue
            $e
        } -ArgumentList $script:cluster
        Wait-Until { @(Get-TestTransaction -Cluster $script:cluster -Node n3 | Where-Object { $_.state -eq 'Checking' }).Count -gt 0 } -Because 'n3 to have the proposal'
        Remove-VmNode -Name n2 -Confirm:$false
        Clear-TestFault -Cluster $script:cluster -Node n3
        $errors = @($job | Receive-Job -Wait -AutoRemoveJob | Where-Object { $_ -is [System.Management.Automation.ErrorRecord] })
        $errors.Count | Should -BeGreaterOrEqual 1
        Assert-NodeError $errors[0] -Id NodeLeft -Node n2
        (Get-VmNode -Name n2).State | Should -Be 'Left'
        Add-VmNode -Name n2 | Out-Null
        Assert-ClusterConsistent -Cluster $script:cluster | Should -Be $before
        Test-NoGroup 'dgleave'
    }

    It 'commits on the rest when a slave dies after the decision, and the slave takes the new configuration when it rejoins' {
        $before = Assert-ClusterConsistent -Cluster $script:cluster
        Set-TestFault -Cluster $script:cluster -Node n3 -Rule 'crash-before:PersistDatabase'
        $result = Invoke-Change 'dgafterdecision'
        $result.Errors | Should -BeNullOrEmpty
        $result.Output.Name | Should -Be 'dgafterdecision'
        Restore-TestCluster -Cluster $script:cluster
        Assert-ClusterConsistent -Cluster $script:cluster | Should -Be ($before + 1)
        (Get-VmDiskGroup -Name dgafterdecision -Node n3).Disks | Should -Be @('d01')
        Remove-VmDiskGroup -Name dgafterdecision -Confirm:$false
    }

    It 'aborts with MasterChanged when the master dies after deciding but before the successor was notified' {
        $before = Assert-ClusterConsistent -Cluster $script:cluster
        $master = (Get-VmCluster).Master
        $successor = (Get-VmNode | Where-Object { $_.State -eq 'Joined' -and $_.Name -ne $master } | Sort-Object Rank)[0].Name
        Set-TestFault -Cluster $script:cluster -Node $master -Rule 'crash-before:CommitNotice'
        $result = Invoke-Change 'dgmasterearly'
        $result.Errors.Count | Should -Be 1
        Assert-NodeError $result.Errors[0] -Id MasterChanged -Node $master
        $result.Errors[0].ToString() | Should -Match "master $master went away during the change; n\d aborted it"
        (Get-VmCluster).Master | Should -Be $successor
        Restore-TestCluster -Cluster $script:cluster
        Assert-ClusterConsistent -Cluster $script:cluster | Should -Be $before
        Test-NoGroup 'dgmasterearly'
    }

    It 'completes with a MasterChanged warning when the master dies after the successor was notified' {
        $before = Assert-ClusterConsistent -Cluster $script:cluster
        $master = (Get-VmCluster).Master
        $nodes = @(Get-VmNode | Where-Object { $_.State -eq 'Joined' -and $_.Name -ne $master } | Sort-Object Rank)
        $successor, $last = $nodes[0].Name, $nodes[1].Name
        Set-TestFault -Cluster $script:cluster -Node $master -Rule "crash-before:CommitNotice>$last"
        $result = Invoke-Change 'dgmasterlate'
        $result.Errors | Should -BeNullOrEmpty
        $result.Output.Name | Should -Be 'dgmasterlate'
        ($result.Warnings -join "`n") | Should -Match "MasterChanged: master $master went away during the change; $successor completed it"
        Restore-TestCluster -Cluster $script:cluster
        Assert-ClusterConsistent -Cluster $script:cluster | Should -Be ($before + 1)
        foreach ($node in 'n1', 'n2', 'n3') { (Get-VmDiskGroup -Name dgmasterlate -Node $node).Disks | Should -Be @('d01') }
        Remove-VmDiskGroup -Name dgmasterlate -Confirm:$false
    }

    It 'fails with AgentNotRunning before a change while a member is Down, and proceeds once it is evicted' {
        $before = Assert-ClusterConsistent -Cluster $script:cluster
        $victim = (Get-VmNode | Where-Object { $_.Role -ne 'Master' } | Sort-Object Rank)[-1]
        Stop-Process -Id $victim.AgentProcessId -Force
        Wait-Until { (Get-VmNode -Name $victim.Name).State -eq 'Down' } -Because "$($victim.Name) to be Down"
        $result = Invoke-Change 'dgdown'
        Assert-NodeError $result.Errors[0] -Id AgentNotRunning -Node $victim.Name
        Wait-Until { (Get-VmNode -Name $victim.Name).State -eq 'Left' } -Because "$($victim.Name) to be evicted after the failure timeout"
        $result = Invoke-Change 'dgevicted'
        $result.Errors | Should -BeNullOrEmpty
        (Get-VmDiskGroup -Name dgevicted).Disks | Should -Be @('d01')
        Restore-TestCluster -Cluster $script:cluster
        (Get-VmDiskGroup -Name dgevicted -Node $victim.Name).Disks | Should -Be @('d01') -Because 'a node that left takes the master''s configuration when it rejoins'
        Assert-ClusterConsistent -Cluster $script:cluster | Should -Be ($before + 1)
        Remove-VmDiskGroup -Name dgevicted -Confirm:$false
    }

    It 'finishes the change on the master when the initiating pwsh is killed after the commit job started' {
        $before = Assert-ClusterConsistent -Cluster $script:cluster
        $master = (Get-VmCluster).Master
        $slave = @(Get-VmNode | Where-Object Name -ne $master | Sort-Object Rank)[-1].Name
        Set-TestFault -Cluster $script:cluster -Node $slave -Rule 'hold-before:Prepared'
        $pwsh = Join-Path $PSHOME 'pwsh'
        $script = 'param($definition) Import-Module VolumeManager; Connect-VmCluster -Path $definition | Out-Null; New-VmDiskGroup -Name dgorphan -Disk d02 -Shared'
        $initiator = Start-Process -FilePath $pwsh -ArgumentList '-NoProfile', '-NonInteractive', '-Command', "& { $script } '$($script:cluster.Path)'" -PassThru -RedirectStandardOutput (Join-Path $TestDrive 'out.txt') -RedirectStandardError (Join-Path $TestDrive 'err.txt')
        try {
            $prepared = { @(Get-TestTransaction -Cluster $script:cluster -Node $slave | Where-Object { $_.state -eq 'Prepared' }).Count -gt 0 }
            try { Wait-Until $prepared -Timeout ([TimeSpan]::FromSeconds(90)) -Because "$slave to prepare the change" }
            catch { throw "$_; the initiating pwsh wrote: $(Get-Content -Raw (Join-Path $TestDrive 'err.txt'))" }
        }
        finally {
            Stop-ProcessTree -Id $initiator.Id
        }
        # Read while the slave's answer is still held: once released, the change commits at once.
        $id = (Get-TestTransaction -Cluster $script:cluster -Node $slave | Where-Object { $_.state -eq 'Prepared' })[-1].transaction.id
        Clear-TestFault -Cluster $script:cluster -Node $slave
        Wait-Until { (Get-VmTransaction -Node $master -Id $id).State -eq 'Committed' } -Because 'the master to finish the change on its own'
        foreach ($node in 'n1', 'n2', 'n3') { (Get-VmTransaction -Node $node -Id $id).State | Should -Be 'Committed' }
        Assert-ClusterConsistent -Cluster $script:cluster | Should -Be ($before + 1)
        Remove-VmDiskGroup -Name dgorphan -Confirm:$false
    }

    It 'restarts the checks to include a node that joins before prepare, and commits on every node' {
        $before = Assert-ClusterConsistent -Cluster $script:cluster
        $master, $holder, $joiner = Select-Roles
        Stop-AndEvict $joiner
        Set-TestFault -Cluster $script:cluster -Node $holder -Rule 'hold-before:ReplyCheckRequest'
        $job = Start-ThreadJob -ScriptBlock {
            param($cluster)
            New-VmDiskGroup -Cluster $cluster -Name dgjoin -Disk d03 -Shared -Verbose 4>&1
        } -ArgumentList $script:cluster
        Wait-Until { @(Get-TestTransaction -Cluster $script:cluster -Node $holder | Where-Object { $_.state -eq 'Checking' }).Count -gt 0 } -Because "$holder to have the proposal"
        Add-VmNode -Name $joiner | Select-Object -ExpandProperty State | Should -Be 'Joined' -Because 'before prepare the join completes at once'
        Clear-TestFault -Cluster $script:cluster -Node $holder
        $output = @($job | Receive-Job -Wait -AutoRemoveJob)
        ($output | Where-Object { $_ -is [System.Management.Automation.ErrorRecord] }) | Should -BeNullOrEmpty
        ($output | Where-Object { $_.Name -eq 'dgjoin' }).Shared | Should -BeTrue
        ($output | Where-Object { $_ -is [System.Management.Automation.VerboseRecord] -and $_.Message -like "${joiner}: passed*" }) | Should -Not -BeNullOrEmpty -Because "the restarted checks include $joiner"
        Assert-ClusterConsistent -Cluster $script:cluster | Should -Be ($before + 1)
        (Get-VmDiskGroup -Name dgjoin -Node $joiner).Disks | Should -Be @('d03')
        Remove-VmDiskGroup -Name dgjoin -Confirm:$false
    }

    It 'makes a node that asks to join after prepare wait until the change is complete' {
        $before = Assert-ClusterConsistent -Cluster $script:cluster
        $master, $holder, $joiner = Select-Roles
        Stop-AndEvict $joiner
        Set-TestFault -Cluster $script:cluster -Node $holder -Rule 'hold-before:Prepared'
        $change = Start-ThreadJob -ScriptBlock { param($cluster) New-VmDiskGroup -Cluster $cluster -Name dgwait -Disk d03 -Shared } -ArgumentList $script:cluster
        Wait-Until { @(Get-TestTransaction -Cluster $script:cluster -Node $holder | Where-Object { $_.state -eq 'Prepared' }).Count -gt 0 } -Because "$holder to prepare"
        $join = Start-ThreadJob -ScriptBlock { param($cluster, $name) Add-VmNode -Cluster $cluster -Name $name } -ArgumentList $script:cluster, $joiner
        $masterLog = Join-Path (Get-StateDirectory $script:cluster $master) 'vmconfigd.log'
        Wait-Until { (Get-Content -Raw $masterLog) -match "join of $joiner waits for transaction" } -Because 'the master to hold the join back'
        (Get-VmNode -Name $joiner).State | Should -Not -Be 'Joined'
        Clear-TestFault -Cluster $script:cluster -Node $holder
        ($change | Receive-Job -Wait -AutoRemoveJob).Name | Should -Be 'dgwait'
        ($join | Receive-Job -Wait -AutoRemoveJob).State | Should -Be 'Joined'
        $id = (Get-VmTransaction -Node $master | Where-Object { $_.Operations -match 'dgwait' })[-1].Id
        (Get-TestTransaction -Cluster $script:cluster -Node $master -Id $id).transaction.members | Should -Not -Contain $joiner
        Assert-ClusterConsistent -Cluster $script:cluster | Should -Be ($before + 1)
        (Get-VmDiskGroup -Name dgwait -Node $joiner).Disks | Should -Be @('d03') -Because 'the joiner takes the master''s configuration'
        Remove-VmDiskGroup -Name dgwait -Confirm:$false
    }

    It 'shows a committed change''s phases with their times on the master and on a slave' {
        $master, $slave = @(Select-Roles)[0, 1]
        (Invoke-Change 'dgphases').Errors | Should -BeNullOrEmpty
        $id = (Get-VmTransaction -Node $master | Where-Object { $_.Operations -match 'dgphases' })[-1].Id
        $onMaster = Get-VmTransaction -Node $master -Id $id
        $mine = @($onMaster.Phases | Where-Object Node -eq $master).Phase
        $mine | Should -Be @('Proposed', 'Checking', 'Preparing', 'Prepared', 'Decided', 'Committed')
        foreach ($node in 'n1', 'n2', 'n3' | Where-Object { $_ -ne $master }) {
            @($onMaster.Phases | Where-Object Node -eq $node).Phase | Should -Be @('Prepared', 'Committed') -Because "the master notes when $node prepared and acknowledged"
        }
        $onSlave = Get-VmTransaction -Node $slave -Id $id
        @($onSlave.Phases | Where-Object Node -eq $slave).Phase | Should -Be @('Checking', 'Preparing', 'Prepared', 'Committed')
        foreach ($record in $onMaster, $onSlave) {
            $times = @($record.Phases | Where-Object Node -eq $record.Node).At
            for ($i = 1; $i -lt $times.Count; $i++) { $times[$i] | Should -BeGreaterOrEqual $times[$i - 1] }
        }
        $onMaster | Format-List | Out-String | Should -Match "Decided\s+$master\s+\+\d+ ms"
        Remove-VmDiskGroup -Name dgphases -Confirm:$false
    }

    It 'shows each node''s last abort reason in Get-VmNode and every change in Get-VmTransaction' {
        $master = (Get-VmCluster).Master
        $victim, $witness = @(Get-VmNode | Where-Object Name -ne $master | Sort-Object Rank).Name
        Set-TestFault -Cluster $script:cluster -Node $victim -Rule 'crash-before:ReplyCheckRequest'
        Invoke-Change 'dgreason' | Out-Null
        Restore-TestCluster -Cluster $script:cluster
        $id = (Get-VmTransaction -Node $master | Where-Object { $_.Operations -match 'dgreason' })[-1].Id
        foreach ($node in $master, $witness) {
            $record = Get-VmTransaction -Node $node -Id $id
            $record.State | Should -Be 'Aborted'
            $record.FailedNodes | Should -Contain $victim
        }
        Wait-Until { (Get-VmNode -Name $witness).LastAbortReason -match $id } -Because 'heartbeats to carry the last abort reason'
    }
}
