#Requires -Modules Pester
# -AsJob on the state-changing commands (a VmChangeJob with one child job per node) and Write-Progress per node,
# on a real 3-node local cluster.

BeforeAll {
    Import-Module VolumeManager -ErrorAction Stop
    Import-Module (Join-Path $PSScriptRoot 'VolumeManager.TestHelpers.psm1') -Force

    # Runs one command in-process, in a runspace of its own with the module loaded, and returns its progress records
    # and errors as the pipeline wrote them.
    function Invoke-WithProgress([string] $Command, [hashtable] $Parameters) {
        $runspace = New-ModuleRunspace
        $ps = [powershell]::Create($runspace)
        try {
            $null = $ps.AddCommand($Command).AddParameters($Parameters).AddParameter('Cluster', $script:cluster).Invoke()
            [pscustomobject]@{ Progress = @($ps.Streams.Progress); Errors = @($ps.Streams.Error) }
        }
        finally { $ps.Dispose(); $runspace.Dispose() }
    }
}

Describe '-AsJob' {
    BeforeAll {
        $script:cluster = New-TestCluster -Transport Local
        New-VmDiskGroup -Name dg01 -Disk d01, d02, d03 -Shared | Out-Null
    }
    AfterAll {
        Get-Job | Where-Object PSJobTypeName -eq VmChangeJob | Remove-Job -Force
        $script:cluster | Remove-TestCluster
    }

    It 'returns a job with one child per node, and Receive-Job gives the volume the change created' {
        $before = Assert-ClusterConsistent -Cluster $script:cluster
        $job = New-VmVolume -DiskGroup dg01 -Name jv1 -Size 8MB -AsJob
        $job | Should -BeOfType ([System.Management.Automation.Job])
        $job.PSJobTypeName | Should -Be 'VmChangeJob'
        (Get-Job -Id $job.Id).InstanceId | Should -Be $job.InstanceId -Because 'the job is in the session''s job repository'
        @($job.ChildJobs.Name | Sort-Object) | Should -Be @('n1', 'n2', 'n3')

        $volume = @($job | Receive-Job -Wait -AutoRemoveJob)
        $volume.Count | Should -Be 1
        $volume[0].Name | Should -Be 'jv1'
        $volume[0].Size | Should -Be 8MB
        $job.State | Should -Be 'Completed'
        Get-Job -Id $job.Id -ErrorAction SilentlyContinue | Should -BeNullOrEmpty -Because '-AutoRemoveJob removed it'
        foreach ($child in $job.ChildJobs) {
            $child.State | Should -Be 'Completed'
            $child.Outcome | Should -Be 'Committed'
            $child.CheckResult.Node | Should -Be $child.Node
            $child.CheckResult.Passed | Should -BeTrue
        }
        $after = Assert-ClusterConsistent -Cluster $script:cluster
        $after | Should -Be ($before + 1)
        Get-VmVolume -DiskGroup dg01 -Name jv1 -Node n3 | Should -Not -BeNullOrEmpty
    }

    It 'fails the job with the failing node''s error, and only that node''s child fails' {
        New-VmDiskGroup -Name dgp -Disk d04 -Node n2 | Out-Null
        $before = Assert-ClusterConsistent -Cluster $script:cluster
        $job = New-VmDiskGroup -Name dgp -Disk d05 -Shared -AsJob
        $job | Wait-Job -Timeout 120 | Out-Null
        $job.State | Should -Be 'Failed'
        $job.StatusMessage | Should -Match '^node n2'

        $output = @(Receive-Job $job -ErrorVariable err -ErrorAction SilentlyContinue)
        $output | Should -BeNullOrEmpty
        $err.Count | Should -Be 1 -Because 'Receive-Job shows each failing node''s error once'
        $err[0].FullyQualifiedErrorId | Should -BeLike 'PrivateDiskGroupNameConflict,*'
        $err[0].TargetObject | Should -Be 'n2'

        $byNode = @{}; $job.ChildJobs | ForEach-Object { $byNode[$_.Node] = $_ }
        $byNode['n2'].State | Should -Be 'Failed'
        $byNode['n2'].NodeError.TargetObject | Should -Be 'n2'
        $byNode['n2'].CheckResult.Passed | Should -BeFalse
        foreach ($node in 'n1', 'n3') {
            $byNode[$node].State | Should -Be 'Completed'
            $byNode[$node].Outcome | Should -Be 'Aborted'
        }
        Assert-ClusterConsistent -Cluster $script:cluster | Should -Be $before
        Remove-Job $job
        Remove-VmDiskGroup -Name dgp -Node n2 -Confirm:$false
    }

    It 'shows the command it runs and the nodes it runs on' {
        $job = New-VmVolume -DiskGroup dg01 -Name jv2 -Size 4MB -AsJob
        $job.Command | Should -Match '^New-VmVolume '
        (Get-Job -Id $job.Id).Location | Should -Match 'n1'
        Receive-Job $job -Wait -AutoRemoveJob | Select-Object -ExpandProperty Name | Should -Be 'jv2'
        Assert-ClusterConsistent -Cluster $script:cluster | Out-Null
    }

    It 'writes no job and changes nothing under -WhatIf' {
        $before = Get-GenerationMap -Cluster $script:cluster
        $jobs = @(Get-Job).Count
        New-VmVolume -DiskGroup dg01 -Name jv3 -Size 4MB -AsJob -WhatIf | Should -BeNullOrEmpty
        @(Get-Job).Count | Should -Be $jobs
        Get-GenerationMap -Cluster $script:cluster | Should -Be $before
    }

    It 'returns each node''s check result under -CheckOnly and changes nothing' {
        $before = Get-GenerationMap -Cluster $script:cluster
        $checks = @(New-VmVolume -DiskGroup dg01 -Name jv4 -Size 4MB -CheckOnly -AsJob | Receive-Job -Wait -AutoRemoveJob)
        @($checks.Node | Sort-Object) | Should -Be @('n1', 'n2', 'n3')
        $checks | ForEach-Object { $_.Passed | Should -BeTrue }
        Get-GenerationMap -Cluster $script:cluster | Should -Be $before
    }
}

Describe 'Write-Progress per node' {
    BeforeAll {
        $script:cluster = New-TestCluster -Transport Local
        New-VmDiskGroup -Name dg01 -Disk d01, d02 -Shared | Out-Null
    }
    AfterAll {
        $script:cluster | Remove-TestCluster
    }

    It 'writes a child record per node under the change''s record: checking, passed, committed' {
        $run = Invoke-WithProgress 'New-VmVolume' @{ DiskGroup = 'dg01'; Name = 'pv1'; Size = 4MB }
        $run.Errors | Should -BeNullOrEmpty
        $records = $run.Progress
        $parent = @($records | Where-Object ParentActivityId -eq -1 | Select-Object -ExpandProperty ActivityId -Unique)
        $parent.Count | Should -Be 1
        $generation = (Get-VmDiskGroup dg01).Generation
        foreach ($node in 'n1', 'n2', 'n3') {
            $mine = @($records | Where-Object Activity -eq "node $node")
            $mine.Count | Should -BeGreaterThan 3
            @($mine.ActivityId | Sort-Object -Unique).Count | Should -Be 1 -Because 'one record id per node'
            $mine | ForEach-Object { $_.ParentActivityId | Should -Be $parent[0] }
            $status = @($mine.StatusDescription)
            $status | Should -Contain 'checking...'
            $status | Should -Contain 'passed its checks'
            $status | Should -Contain "committed at generation $generation"
            $mine[-1].RecordType | Should -Be 'Completed'
        }
        ($records | Where-Object ParentActivityId -eq -1)[-1].RecordType | Should -Be 'Completed'
    }

    It 'names the failing node''s error in its record' {
        New-VmDiskGroup -Name dgq -Disk d03 -Node n3 | Out-Null
        $run = Invoke-WithProgress 'New-VmDiskGroup' @{ Name = 'dgq'; Disk = 'd04'; Shared = $true }
        $run.Errors.Count | Should -Be 1
        $n3 = @($run.Progress | Where-Object Activity -eq 'node n3').StatusDescription
        $n3 | Should -Contain 'failed its checks'
        $n3 | Should -Contain 'failed: PrivateDiskGroupNameConflict'
        @($run.Progress | Where-Object Activity -eq 'node n1').StatusDescription | Should -Contain 'aborted'
    }

    It 'records the same per-node progress in a job''s Progress stream' {
        $job = New-VmVolume -DiskGroup dg01 -Name pv2 -Size 4MB -AsJob
        $job | Wait-Job -Timeout 120 | Out-Null
        $job.State | Should -Be 'Completed'
        foreach ($node in 'n1', 'n2', 'n3') {
            @($job.Progress | Where-Object Activity -eq "node $node").StatusDescription | Should -Contain 'passed its checks'
        }
        Remove-Job $job
    }
}

Describe 'Stopping a change' {
    BeforeAll {
        $script:cluster = New-TestCluster -Transport Local -Faults

        # Starts a shared New-VmDiskGroup, holds it at n2's check answer, stops it with the given stopper, and
        # returns the id of the transaction it had opened on the master.
        function Stop-HeldChange([string] $Name, [scriptblock] $Start, [scriptblock] $Stop) {
            Set-TestFault -Cluster $script:cluster -Node n2 -Rule 'hold-before:ReplyCheckRequest'
            $running = & $Start $Name
            $held = { @(Get-TestTransaction -Cluster $script:cluster -Node n2 | Where-Object { $_.state -eq 'Checking' -and $_.transaction.operations.diskGroup -contains $Name }) }
            Wait-Until { (& $held).Count -gt 0 } -Because "n2 to hold its check of $Name"
            $id = (& $held)[-1].transaction.id
            Wait-Until { @(Get-TestTransaction -Cluster $script:cluster -Node n3 -Id $id).Count -gt 0 } -Because 'n3 to have checked it too'
            & $Stop $running
            Clear-TestFault -Cluster $script:cluster -Node n2
            $id
        }

        function Assert-StoppedAndFree([string] $Id, [int] $Before) {
            $master = (Get-VmCluster).Master
            $record = Get-VmTransaction -Node $master -Id $Id
            $record.State | Should -Be 'Aborted' -Because 'a change stopped before its commit is aborted at once, not left open'
            $record.Error | Should -Match 'stopped by'
            Wait-Until { @('n1', 'n2', 'n3' | Where-Object { (Get-VmTransaction -Node $_ -Id $Id).State -ne 'Aborted' }).Count -eq 0 } -Because 'every node to record the abort'
            $next = New-VmDiskGroup -Name "next$Id".ToLower().Replace('-', '') -Disk d05 -Shared -Timeout 0
            $next.Generation | Should -Be ($Before + 1) -Because 'the cluster takes the next change at once: the stopped one no longer holds the slot'
            Remove-VmDiskGroup -Name $next.Name -Confirm:$false
        }
    }
    AfterAll {
        Get-Job | Where-Object PSJobTypeName -eq VmChangeJob | Remove-Job -Force
        $script:cluster | Remove-TestCluster
    }
    AfterEach {
        Clear-TestFault -Cluster $script:cluster -Node n2
        Assert-ClusterConsistent -Cluster $script:cluster | Out-Null
    }

    It 'Stop-Job during the checks aborts the open transaction on the master and frees the cluster' {
        $before = Assert-ClusterConsistent -Cluster $script:cluster
        $id = Stop-HeldChange 'dgstopjob' -Start { param($name) New-VmDiskGroup -Name $name -Disk d04 -Shared -AsJob } -Stop {
            param($job)
            $job | Stop-Job
            $job.State | Should -Be 'Stopped'
            $job | Remove-Job
        }
        Assert-StoppedAndFree $id $before
        foreach ($node in 'n1', 'n2', 'n3') { Get-VmDiskGroup -Node $node | Where-Object Name -eq 'dgstopjob' | Should -BeNullOrEmpty }
    }

    It 'stopping the pipeline (as Ctrl+C does) during the checks aborts the open transaction' {
        $before = Assert-ClusterConsistent -Cluster $script:cluster
        $id = Stop-HeldChange 'dgctrlc' -Start {
            param($name)
            $runspace = New-ModuleRunspace
            $ps = [powershell]::Create($runspace)
            $null = $ps.AddCommand('New-VmDiskGroup').AddParameters(@{ Name = $name; Disk = 'd04'; Shared = $true; Cluster = $script:cluster })
            [pscustomobject]@{ PowerShell = $ps; Runspace = $runspace; Async = $ps.BeginInvoke() }
        } -Stop {
            param($run)
            $run.PowerShell.Stop()
            $run.PowerShell.InvocationStateInfo.State | Should -Be 'Stopped'
            $run.PowerShell.Dispose()
            $run.Runspace.Dispose()
        }
        Assert-StoppedAndFree $id $before
        foreach ($node in 'n1', 'n2', 'n3') { Get-VmDiskGroup -Node $node | Where-Object Name -eq 'dgctrlc' | Should -BeNullOrEmpty }
    }
}
