#Requires -Modules Pester
# Background copies under the administrator's control: Suspend-VmTask, Resume-VmTask, Stop-VmTask and Set-VmTask
# -MaxRate on real agents, the control state kept on disk across a master's death, and a throttled copy's rate.

BeforeAll {
    Import-Module VolumeManager -ErrorAction Stop
    Import-Module (Join-Path $PSScriptRoot 'VolumeManager.TestHelpers.psm1') -Force
    $script:cluster = New-TestCluster -Transport Local -Faults -DiskCount 4
    New-VmDiskGroup -Name dgt -Disk d01, d02, d03, d04 -Shared | Out-Null

    function Get-Copy([string] $Volume) { Get-VmTask -DiskGroup dgt -Volume $Volume | Select-Object -First 1 }

    # Adds a mirror whose copy the master holds after its first chunk, so the test acts on a task that is surely running.
    function Add-HeldMirror([string] $Volume, [long] $Size) {
        New-VmVolume -DiskGroup dgt -Name $Volume -Size $Size | Out-Null
        Write-VmVolume -DiskGroup dgt -Volume $Volume -Offset ($Size - 1MB) -InputObject ([byte[]]::new(1MB) | ForEach-Object { 0x5a }) -Node n2
        $master = (Get-VmCluster).Master
        Set-TestFault -Cluster $script:cluster -Node $master -Rule 'hold-before:ResyncChunk#2'
        $plex = Add-VmMirror -DiskGroup dgt -Volume $Volume -NoWait
        Wait-Until { (Get-Copy $Volume).DoneBytes -ge 1MB } -Because 'the copy to reach its hold'
        [pscustomobject]@{ Plex = $plex.Name; Master = $master; Task = Get-Copy $Volume }
    }
}

AfterAll {
    $script:cluster | Remove-TestCluster
}

Describe 'Controlling a resync' {
    AfterEach { Restore-TestCluster -Cluster $script:cluster }   # a test that failed with its master killed leaves the next one a whole cluster

    It 'suspends a copy, keeps it suspended (with its rate limit) across the master''s death, and resumes it where it stood' {
        $held = Add-HeldMirror -Volume s1 -Size 24MB
        $held.Task.Kind | Should -Be 'Resync'
        $held.Task | Set-VmTask -MaxRate 50 | Select-Object -ExpandProperty MaxRate | Should -Be 50
        $suspended = $held.Task | Suspend-VmTask -PassThru
        $suspended.State | Should -Be 'Suspended'
        Clear-TestFault -Cluster $script:cluster -Node $held.Master
        Wait-Until { (Get-Copy s1).State -eq 'Suspended' } -Because 'the copy to stop before its next chunk'
        $at = (Get-Copy s1).DoneBytes
        Start-Sleep -Milliseconds 600
        (Get-Copy s1).DoneBytes | Should -Be $at -Because 'a suspended copy copies nothing'

        Stop-Process -Id (Get-VmNode -Name $held.Master).AgentProcessId -Force
        Wait-Until { ($c = Get-VmCluster).Master -and $c.Master -ne $held.Master } -Because 'a new master'
        $successor = (Get-VmCluster).Master
        Wait-Until { (Get-VmTask -DiskGroup dgt -Volume s1 | Where-Object Node -eq $successor) } -Because 'the new master to take the task up'
        $taken = Get-VmTask -DiskGroup dgt -Volume s1 | Where-Object Node -eq $successor | Select-Object -First 1
        $taken.Id | Should -Be $held.Task.Id -Because 'the task keeps its id on disk'
        $taken.State | Should -Be 'Suspended'
        $taken.MaxRate | Should -Be 50
        $taken.ResumedFrom | Should -BeGreaterThan 0

        $taken | Resume-VmTask
        Wait-Until { (Get-VmPlex -DiskGroup dgt -Volume s1 -Name $held.Plex -Node $successor).State -eq 'Active' } -Because 'the resumed copy to finish'
        (Get-Copy s1).State | Should -Be 'Completed' -Because 'the task is finished once its plex is Active'
        Restore-TestCluster -Cluster $script:cluster
        Get-PlexHash $script:cluster dgt s1 $held.Plex 24MB | Should -Be (Get-PlexHash $script:cluster dgt s1 's1-01' 24MB)
    }

    It 'stops a copy: the plex stays Stale and nothing copies it until Resume-VmTask starts over from zero' {
        $held = Add-HeldMirror -Volume s2 -Size 16MB
        $held.Task | Stop-VmTask -Confirm:$false
        Clear-TestFault -Cluster $script:cluster -Node $held.Master
        Wait-Until { (Get-Copy s2).State -eq 'Stopped' } -Because 'the copy to stop'
        Start-Sleep -Milliseconds 800
        (Get-Copy s2).State | Should -Be 'Stopped' -Because 'the resync service does not start a stopped plex again'
        (Get-VmPlex -DiskGroup dgt -Volume s2 -Name $held.Plex).State | Should -Be 'Stale'
        Suspend-VmTask -Id $held.Task.Id -ErrorVariable err -ErrorAction SilentlyContinue
        $err[0].FullyQualifiedErrorId | Should -BeLike 'InvalidTaskState*'

        Resume-VmTask -Id $held.Task.Id
        Wait-Until { (Get-VmPlex -DiskGroup dgt -Volume s2 -Name $held.Plex).State -eq 'Active' } -Because 'the restarted copy to finish'
        (Get-Copy s2).ResumedFrom | Should -Be 0
        Get-PlexHash $script:cluster dgt s2 $held.Plex 16MB | Should -Be (Get-PlexHash $script:cluster dgt s2 's2-01' 16MB)
    }

    It 'throttles a copy to within 20% of -MaxRate, measured from the task''s own progress' {
        $held = Add-HeldMirror -Volume s3 -Size 48MB
        $held.Task | Set-VmTask -MaxRate 8 | Out-Null
        Clear-TestFault -Cluster $script:cluster -Node $held.Master
        Wait-Until { (Get-Copy s3).DoneBytes -ge 8MB } -Because 'the throttled copy to get going'
        $first = Get-Copy s3
        Wait-Until { ($last = Get-Copy s3).DoneBytes -ge $first.DoneBytes + 24MB -or $last.State -ne 'Running' } -Timeout ([TimeSpan]::FromSeconds(30)) -Because 'a window of the copy'
        $last = Get-Copy s3
        $rate = ($last.DoneBytes - $first.DoneBytes) / 1MB / ($last.Updated - $first.Updated).TotalSeconds
        $rate | Should -BeGreaterThan (8 * 0.8)
        $rate | Should -BeLessThan (8 * 1.2)
        $last | Set-VmTask -MaxRate 0 | Out-Null
        Wait-Until { (Get-VmPlex -DiskGroup dgt -Volume s3 -Name $held.Plex).State -eq 'Active' } -Because 'the unthrottled copy to finish'
    }

    It 'names the task when it is unknown' {
        Suspend-VmTask -Id 'resync-nope' -ErrorVariable err -ErrorAction SilentlyContinue
        $err[0].FullyQualifiedErrorId | Should -BeLike 'TaskNotFound*'
        $err[0].ToString() | Should -Match 'resync-nope'
    }
}
