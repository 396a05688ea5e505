#Requires -Modules Pester
# Plex resynchronisation while I/O goes on, its resumption after an agent restart or a master takeover, and a writer
# loop on node 2 across a mirror added, a volume grown and the original plex removed.

BeforeAll {
    Import-Module VolumeManager -ErrorAction Stop
    Import-Module (Join-Path $PSScriptRoot 'VolumeManager.TestHelpers.psm1') -Force
    $script:cluster = New-TestCluster -Transport Local -Faults -DiskCount 6
    $script:root = Split-Path $script:cluster.Path
    New-VmDiskGroup -Name dgs -Disk d01, d02, d03, d04 -Shared | Out-Null

    function New-Pattern([int] $Length, [int] $Seed) {
        $bytes = [byte[]]::new($Length)
        [Random]::new($Seed).NextBytes($bytes)
        , $bytes
    }

    function Get-NewestTask([string] $Volume) { Get-VmTask -DiskGroup dgs -Volume $Volume | Select-Object -First 1 }
}

AfterAll {
    $script:cluster | Remove-TestCluster
}

Describe 'Resynchronising a new mirror' {
    It 'copies while I/O continues: writes during the copy reach both plexes, and the plex turns Active equal to its source' {
        New-VmVolume -DiskGroup dgs -Name r1 -Size 16MB | Out-Null
        $old = New-Pattern -Length (4MB) -Seed 1
        foreach ($offset in 0, 8MB) { Write-VmVolume -DiskGroup dgs -Volume r1 -Offset $offset -InputObject $old -Node n1 }
        $master = (Get-VmCluster).Master
        Set-TestFault -Cluster $script:cluster -Node $master -Rule 'hold-before:ResyncChunk#4'   # three chunks copied, then the copy waits

        $plex = Add-VmMirror -DiskGroup dgs -Volume r1 -NoWait
        $plex.State | Should -Be 'Stale'
        Wait-Until { (Get-NewestTask r1).DoneBytes -ge 3MB } -Because 'the copy to reach its hold'
        $task = Get-NewestTask r1
        $task.State | Should -Be 'Running'
        $task.Node | Should -Be $master -Because 'the master copies a shared group''s plexes'
        $new = New-Pattern -Length (1MB) -Seed 2
        Write-VmVolume -DiskGroup dgs -Volume r1 -Offset 1MB -InputObject $new -Node n2      # already copied
        Write-VmVolume -DiskGroup dgs -Volume r1 -Offset 12MB -InputObject $new -Node n3     # not copied yet
        Clear-TestFault -Cluster $script:cluster -Node $master

        Wait-Until { (Get-VmPlex -DiskGroup dgs -Volume r1 -Name $plex.Name).State -eq 'Active' } -Because 'the resync to finish'
        (Get-NewestTask r1).State | Should -Be 'Completed'
        (Get-NewestTask r1).PercentComplete | Should -Be 100
        Get-PlexHash $script:cluster dgs r1 $plex.Name 16MB -Node n3 | Should -Be (Get-PlexHash $script:cluster dgs r1 'r1-01' 16MB -Node n3)
        [Convert]::ToBase64String((Read-VmVolume -DiskGroup dgs -Volume r1 -Offset 12MB -Length 1MB -Node n2)) | Should -Be ([Convert]::ToBase64String($new))
        Assert-ClusterConsistent -Cluster $script:cluster | Out-Null
    }

    It 'follows the copy to the end when -NoWait is not given, and returns the plex Active' {
        New-VmVolume -DiskGroup dgs -Name r2 -Size 6MB | Out-Null
        $plex = Add-VmMirror -DiskGroup dgs -Volume r2
        $plex.State | Should -Be 'Active'
        (Get-VmVolume -DiskGroup dgs -Name r2 -Node n3).State | Should -Be 'Active'
    }

    It 'resumes an interrupted copy from its checkpoint on disk after the agent restarts (a private group, copied by its owner)' {
        New-VmDiskGroup -Name dgp -Disk d05, d06 -Node n3 | Out-Null
        New-VmVolume -DiskGroup dgp -Name p1 -Size 24MB -Node n3 | Out-Null
        $data = New-Pattern -Length (2MB) -Seed 3
        Write-VmVolume -DiskGroup dgp -Volume p1 -Offset 20MB -InputObject $data -Node n3
        Set-TestFault -Cluster $script:cluster -Node n3 -Rule 'crash-before:ResyncChunk#10'   # dies after 9 chunks, 8 MiB checkpointed
        $plex = Add-VmMirror -DiskGroup dgp -Volume p1 -Node n3 -NoWait
        Wait-Until { -not (Get-VmNode n3).AgentRunning } -Because 'the owner''s agent to crash mid-copy'

        Add-VmNode -Name n3 | Out-Null
        Wait-Until { (Get-VmPlex -DiskGroup dgp -Volume p1 -Name $plex.Name -Node n3).State -eq 'Active' } -Timeout ([TimeSpan]::FromSeconds(60)) -Because 'the restarted agent to finish the copy'
        $task = Get-VmTask -DiskGroup dgp -Volume p1 | Where-Object State -eq 'Completed' | Select-Object -First 1
        $task.Node | Should -Be 'n3'
        $task.ResumedFrom | Should -Be 8MB -Because 'the copy restarts from the last checkpoint, not from zero'
        Get-PlexHash $script:cluster dgp p1 $plex.Name 24MB -Node n3 | Should -Be (Get-PlexHash $script:cluster dgp p1 'p1-01' 24MB -Node n3)
    }

    It 'is taken over by the new master from the checkpoint when the master dies mid-copy' {
        New-VmVolume -DiskGroup dgs -Name r3 -Size 20MB | Out-Null
        $master = (Get-VmCluster).Master
        $successor = @(Get-VmNode | Where-Object Name -ne $master | Sort-Object Rank)[0].Name
        Set-TestFault -Cluster $script:cluster -Node $master -Rule 'crash-before:ResyncChunk#6'    # 4 MiB checkpointed
        $plex = Add-VmMirror -DiskGroup dgs -Volume r3 -Node $successor -NoWait
        Wait-Until { (Get-VmPlex -DiskGroup dgs -Volume r3 -Name $plex.Name -Node $successor).State -eq 'Active' } -Timeout ([TimeSpan]::FromSeconds(60)) -Because 'the successor to finish the copy'
        $task = Get-VmTask -DiskGroup dgs -Volume r3 | Where-Object State -eq 'Completed' | Select-Object -First 1
        $task.Node | Should -Be $successor
        $task.ResumedFrom | Should -Be 4MB
        Restore-TestCluster -Cluster $script:cluster
        Get-PlexHash $script:cluster dgs r3 $plex.Name 20MB -Node $successor | Should -Be (Get-PlexHash $script:cluster dgs r3 'r3-01' 20MB -Node $successor)
        Assert-ClusterConsistent -Cluster $script:cluster | Out-Null
    }
}

Describe 'I/O that does not drain' {
    It 'makes the node refuse to prepare past the drain bound, naming itself, and the change aborts with nothing changed' {
        New-VmVolume -DiskGroup dgs -Name d1 -Size 4MB | Out-Null
        $master = (Get-VmCluster).Master
        Set-TestFault -Cluster $script:cluster -Node $master -Rule 'hold-before:ResyncCopy'     # the copy holds the group's I/O gate
        $plex = Add-VmMirror -DiskGroup dgs -Volume d1 -NoWait
        Wait-Until { (Get-NewestTask d1).State -eq 'Running' } -Because 'the copy to start'
        $before = Get-GenerationMap -Cluster $script:cluster
        Resize-VmVolume -DiskGroup dgs -Name d1 -Size 6MB -ErrorVariable err -ErrorAction SilentlyContinue | Out-Null
        $err[0].TargetObject | Should -Be $master
        $err[0].ToString() | Should -Match "node $master refused to prepare: I/O to disk group 'dgs' did not drain within 5 s"
        Get-GenerationMap -Cluster $script:cluster | Should -Be $before
        Clear-TestFault -Cluster $script:cluster -Node $master
        Wait-Until { (Get-VmPlex -DiskGroup dgs -Volume d1 -Name $plex.Name).State -eq 'Active' } -Because 'the released copy to finish'
        (Resize-VmVolume -DiskGroup dgs -Name d1 -Size 6MB).Size | Should -Be 6MB -Because 'I/O resumed after the abort'
    }
}

Describe 'A writer loop on node 2 during reconfiguration' {
    It 'loses no acknowledged write while node 1 adds a mirror, grows the volume and removes the original plex, and no write is in flight at any commit' {
        New-VmVolume -DiskGroup dgs -Name w1 -Size 8MB -Mirror 2 | Out-Null
        $stop = [hashtable]::Synchronized(@{ Stop = $false })
        $n2 = Get-StateDirectory $script:cluster 'n2'
        $writer = Start-ThreadJob -ArgumentList $stop, $n2 -ScriptBlock {
            param($stop, $state)
            $vm = Import-Module VolumeManager -PassThru
            $acked = @{}
            $failed = 0
            for ($i = 0; -not $stop.Stop; $i++) {
                $offset = ($i % 128) * 64KB
                $data = [byte[]]::new(64KB)
                [Random]::new($i).NextBytes($data)
                $request = @{ kind = 'VolumeWriteRequest'; diskGroup = 'dgs'; volume = 'w1'; offset = $offset; data = [Convert]::ToBase64String($data) } | ConvertTo-Json -Compress
                $answer = & $vm { param($r, $s) Invoke-VmAgentRequest -Request $r -StateDirectory $s } $request $state | ConvertFrom-Json
                if ($answer.ok) { $acked[$offset] = $i } else { $failed++ }
            }
            [pscustomobject]@{ Acked = $acked; Failed = $failed; Writes = $i }
        }
        try {
            Wait-Until { (Get-KernelReport $script:cluster n2).freezes.Count -ge 0 -and $writer.State -eq 'Running' } -Because 'the writer to start'
            $first = (Get-VmTransaction -Node n1 | Select-Object -Last 1).Generation
            $added = Add-VmMirror -DiskGroup dgs -Volume w1 -Node n1
            Resize-VmVolume -DiskGroup dgs -Name w1 -Size 12MB | Out-Null
            Remove-VmMirror -DiskGroup dgs -Volume w1 -Plex w1-01 -Confirm:$false
        }
        finally {
            $stop.Stop = $true
            $result = $writer | Wait-Job | Receive-Job
            $writer | Remove-Job
        }
        $result.Failed | Should -Be 0
        $result.Writes | Should -BeGreaterThan 10 -Because 'the writer kept writing through the changes'
        foreach ($offset in $result.Acked.Keys) {
            $expected = [byte[]]::new(64KB)
            [Random]::new($result.Acked[$offset]).NextBytes($expected)
            $back = Read-VmVolume -DiskGroup dgs -Volume w1 -Offset $offset -Length 64KB -Node n3
            [Convert]::ToBase64String($back) | Should -Be ([Convert]::ToBase64String($expected)) -Because "the write of iteration $($result.Acked[$offset]) at $offset was acknowledged"
        }
        $plexes = (Get-VmVolume -DiskGroup dgs -Name w1).Plexes.Name
        $plexes | Should -Be @('w1-02', $added.Name)
        Get-PlexHash $script:cluster dgs w1 'w1-02' 12MB -Node n3 | Should -Be (Get-PlexHash $script:cluster dgs w1 $added.Name 12MB -Node n3)
        $changes = @(Get-VmTransaction -Node n1 | Where-Object { $_.Generation -gt $first -and $_.State -eq 'Committed' }).Id
        $changes.Count | Should -BeGreaterOrEqual 4 -Because 'add mirror, mark it Active, grow, remove the original plex'
        foreach ($node in 'n1', 'n2', 'n3') {
            $freezes = @((Get-KernelReport $script:cluster $node).freezes | Where-Object { $_.transactionId -in $changes })
            # Once from prepare to commit, or twice (the prepare's drain, then the switch) for a change served side by side.
            $perChange = $freezes | Group-Object transactionId
            @($perChange.Name | Sort-Object) | Should -Be @($changes | Sort-Object) -Because "node $node froze dgs for each change"
            $perChange | Where-Object { $_.Count -notin 1, 2 } | Should -BeNullOrEmpty
            @($freezes | Where-Object inFlightAtOpen -ne 0) | Should -BeNullOrEmpty -Because "no write was in flight on $node across a commit"
        }
        Assert-ClusterConsistent -Cluster $script:cluster | Out-Null
    }
}
