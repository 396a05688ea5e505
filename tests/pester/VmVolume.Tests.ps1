#Requires -Modules Pester
# New-VmVolume / Get-VmVolume / Get-VmPlex / Remove-VmVolume / Resize-VmVolume / Add-VmMirror / Remove-VmMirror /
# Add-VmDisk / Remove-VmDisk on a real 3-node local cluster (64 MB disks).

BeforeAll {
    Import-Module VolumeManager -ErrorAction Stop
    Import-Module (Join-Path $PSScriptRoot 'VolumeManager.TestHelpers.psm1') -Force

    # The volume as each node has it, in a form that compares equal only when every node has the same layout.
    function Get-VolumeOnEveryNode([string] $DiskGroup, [string] $Name, [string[]] $Node = @('n1', 'n2', 'n3')) {
        foreach ($n in $Node) {
            $v = Get-VmVolume -DiskGroup $DiskGroup -Name $Name -Node $n
            [pscustomobject]@{
                Node   = $n
                Layout = "$($v.Size)|$($v.State)|" + (($v.Plexes | ForEach-Object {
                    "$($_.Name):$($_.State):" + (($_.Subdisks | ForEach-Object { "$($_.Name)@$($_.Disk)+$($_.Offset)+$($_.Length)" }) -join ',')
                }) -join ';')
                Generation = $v.Generation
            }
        }
    }

    function Assert-SameOnEveryNode([string] $DiskGroup, [string] $Name) {
        $seen = @(Get-VolumeOnEveryNode $DiskGroup $Name)
        $seen.Count | Should -Be 3
        @($seen.Layout | Sort-Object -Unique).Count | Should -Be 1 -Because "every node has the same layout: $($seen.Layout -join ' / ')"
        @($seen.Generation | Sort-Object -Unique).Count | Should -Be 1
        $seen[0]
    }

    # Runs a change that must be refused: exactly one error with that id and target, and no node's generation moved.
    function Assert-Refused {
        param([scriptblock] $Change, [string] $ErrorId, $Target, [string] $Message)
        $before = Get-GenerationMap -Cluster $script:cluster
        $ErrorActionPreference = 'Continue'   # non-terminating errors into the output, as a user's script sees them
        $all = @(& $Change 2>&1)
        $err = @($all | Where-Object { $_ -is [System.Management.Automation.ErrorRecord] })
        @($all | Where-Object { $_ -isnot [System.Management.Automation.ErrorRecord] }) | Should -BeNullOrEmpty
        $err.Count | Should -Be 1 -Because ($err | Out-String)
        $err[0].FullyQualifiedErrorId | Should -BeLike "$ErrorId,*"
        if ($PSBoundParameters.ContainsKey('Target')) { $err[0].TargetObject | Should -Be $Target }
        if ($Message) { $err[0].ToString() | Should -Match $Message }
        Get-GenerationMap -Cluster $script:cluster | Should -Be $before -Because 'a refused change changes nothing on any node'
        $err[0]
    }
}

Describe 'Volumes over Local endpoints' {
    BeforeAll {
        $script:cluster = New-TestCluster -Transport Local -Faults
        New-VmDiskGroup -Name dg01 -Disk d01, d02, d03, d04 -Shared | Out-Null
        $script:diskSize = (Get-VmDisk -Name d01).Size
    }
    AfterAll {
        $script:cluster | Remove-TestCluster
    }

    It 'creates a concatenated volume from a piped disk group, identical on every node' {
        $before = Assert-ClusterConsistent -Cluster $script:cluster
        $volume = Get-VmDiskGroup dg01 | New-VmVolume -Name v1 -Size 32MB
        $volume | Should -BeOfType VolumeManager.Cmdlets.Objects.VmVolume
        $volume.DiskGroup | Should -Be 'dg01'
        $volume.Name | Should -Be 'v1'
        $volume.Size | Should -Be 32MB
        $volume.State | Should -Be 'Active'
        $volume.Plexes.Count | Should -Be 1
        $volume.Plexes[0].State | Should -Be 'Active'
        $volume.Plexes[0].Size | Should -Be 32MB
        Assert-ClusterConsistent -Cluster $script:cluster | Should -Be ($before + 1)
        (Assert-SameOnEveryNode dg01 v1).Generation | Should -Be ($before + 1)
        (Get-VmDiskGroup dg01 -Node n3).Volumes | Should -Be @('v1')
    }

    It 'creates a 2-way mirror with each plex on its own disks, identical on every node' {
        $before = Assert-ClusterConsistent -Cluster $script:cluster
        $volume = New-VmVolume -DiskGroup dg01 -Name m1 -Size 16MB -Mirror 2
        $volume.Plexes.Count | Should -Be 2
        $volume.Plexes.State | Should -Be @('Active', 'Active')
        $volume.Plexes | ForEach-Object { $_.Size | Should -Be 16MB }
        @($volume.Plexes[0].Disks | Where-Object { $_ -in $volume.Plexes[1].Disks }) | Should -BeNullOrEmpty -Because 'mirrors share no disk'
        Assert-ClusterConsistent -Cluster $script:cluster | Should -Be ($before + 1)
        Assert-SameOnEveryNode dg01 m1 | Out-Null
        $plexes = @(Get-VmPlex -DiskGroup dg01 -Volume m1 -Node n2)
        $plexes.Name | Should -Be @('m1-01', 'm1-02')
        $plexes | ForEach-Object { $_.Volume | Should -Be 'm1'; $_.DiskGroup | Should -Be 'dg01'; $_.Node | Should -Be 'n2' }
        @(Get-VmVolume -DiskGroup dg01 -Name m1 | Get-VmPlex).Name | Should -Be @('m1-01', 'm1-02') -Because 'a piped VmVolume selects its own plexes'
        @(Get-VmDiskGroup dg01 | Get-VmPlex).Count | Should -Be 3 -Because 'a piped VmDiskGroup selects its group, not a volume of its name'
    }

    It 'creates a volume larger than one disk across several disks, and removes it from every node' {
        $size = $script:diskSize + 36MB
        $before = Assert-ClusterConsistent -Cluster $script:cluster
        $volume = New-VmVolume -DiskGroup dg01 -Name span -Size $size
        $volume.Size | Should -Be $size
        $volume.Plexes[0].Subdisks.Count | Should -BeGreaterThan 1
        $volume.Disks.Count | Should -BeGreaterThan 1
        ($volume.Plexes[0].Subdisks | Measure-Object Length -Sum).Sum | Should -BeGreaterOrEqual $size
        Assert-SameOnEveryNode dg01 span | Out-Null

        Remove-VmVolume -DiskGroup dg01 -Name span -Confirm:$false | Should -BeNullOrEmpty
        Assert-ClusterConsistent -Cluster $script:cluster | Should -Be ($before + 2)
        foreach ($node in 'n1', 'n2', 'n3') { Get-VmVolume -DiskGroup dg01 -Node $node | Where-Object Name -eq span | Should -BeNullOrEmpty }
    }

    It 'grows then shrinks a piped volume on every node' {
        $before = Assert-ClusterConsistent -Cluster $script:cluster
        $grown = Get-VmVolume -DiskGroup dg01 -Name v1 | Resize-VmVolume -Size 48MB
        $grown.Size | Should -Be 48MB
        $grown.Plexes[0].Size | Should -Be 48MB
        (Assert-SameOnEveryNode dg01 v1).Layout | Should -BeLike "$(48MB)|*"
        $shrunk = Resize-VmVolume -DiskGroup dg01 -Name v1 -Size 8MB
        $shrunk.Size | Should -Be 8MB
        $shrunk.Plexes[0].Size | Should -Be 8MB
        (Assert-SameOnEveryNode dg01 v1).Layout | Should -BeLike "$(8MB)|*"
        Assert-ClusterConsistent -Cluster $script:cluster | Should -Be ($before + 2)
    }

    It 'adds a mirror as a Stale plex on a disk the volume does not use' {
        $before = Assert-ClusterConsistent -Cluster $script:cluster
        $original = (Get-VmVolume dg01 v1).Plexes[0]
        Set-TestFault -Cluster $script:cluster -Node n1 -Rule 'hold-before:ResyncChunk'   # the master's copy waits, so the plex stays Stale
        $plex = Get-VmVolume dg01 v1 | Add-VmMirror -NoWait
        $plex | Should -BeOfType VolumeManager.Cmdlets.Objects.VmPlex
        $plex.Name | Should -Be 'v1-02'
        $plex.State | Should -Be 'Stale'
        $plex.Size | Should -Be 8MB
        @($plex.Disks | Where-Object { $_ -in $original.Disks }) | Should -BeNullOrEmpty
        Assert-ClusterConsistent -Cluster $script:cluster | Should -Be ($before + 1)
        $seen = Assert-SameOnEveryNode dg01 v1
        $seen.Layout | Should -Match 'v1-02:Stale:'
        (Get-VmVolume dg01 v1 -Node n3).State | Should -Be 'Degraded'
        (Get-VmPlex -DiskGroup dg01 -Volume v1 -Name v1-02 -Node n2).State | Should -Be 'Stale'
        # The hold takes the first copy that reaches it: v1-02's, before the next test starts a copy of its own.
        $log = Join-Path (Get-StateDirectory $script:cluster n1) 'vmconfigd.log'
        Wait-Until { (Get-Content $log -Raw) -match 'holding ResyncChunk' } -Because "the master's copy of v1-02 to reach its hold"
    }

    It 'adds a mirror on the disk asked for with -Disk' {
        $used = (Get-VmVolume dg01 m1).Disks
        $free = @('d01', 'd02', 'd03', 'd04' | Where-Object { $_ -notin $used })[0]
        $plex = Add-VmMirror -DiskGroup dg01 -Volume m1 -Disk $free
        $plex.Disks | Should -Be @($free)
        $plex.State | Should -Be 'Active' -Because 'Add-VmMirror waits for the resynchronisation'
        (Get-VmTask -DiskGroup dg01 -Volume m1 | Select-Object -First 1).State | Should -Be 'Completed'
        Remove-VmMirror -DiskGroup dg01 -Volume m1 -Plex $plex.Name -Confirm:$false
        $plex = Add-VmMirror -DiskGroup dg01 -Volume m1 -Disk $free -NoWait
        $plex.State | Should -Be 'Stale'
        Wait-Until { @('n1', 'n2', 'n3' | ForEach-Object { (Get-VmPlex -DiskGroup dg01 -Volume m1 -Name $plex.Name -Node $_).State }) -notcontains 'Stale' } -Because 'the background resync to finish'
        (Assert-SameOnEveryNode dg01 m1).Layout | Should -Match "$($plex.Name):Active:"
        Remove-VmMirror -DiskGroup dg01 -Volume m1 -Plex $plex.Name -Confirm:$false
        (Get-VmVolume dg01 m1 -Node n2).Plexes.Name | Should -Be @('m1-01', 'm1-02')
    }

    It 'refuses to remove the last Active plex with LastPlex, then removes the Stale one' {
        $err = Assert-Refused { Remove-VmMirror -DiskGroup dg01 -Volume v1 -Plex v1-01 -Confirm:$false } -ErrorId LastPlex -Target 'v1-01' -Message "last Active plex"
        $err.CategoryInfo.Category | Should -Be 'InvalidOperation'
        (Get-VmVolume dg01 v1 -Node n1).Plexes.Count | Should -Be 2

        $before = Assert-ClusterConsistent -Cluster $script:cluster
        Get-VmPlex -DiskGroup dg01 -Volume v1 -Name v1-02 | Remove-VmMirror -Confirm:$false
        Assert-ClusterConsistent -Cluster $script:cluster | Should -Be ($before + 1)
        (Assert-SameOnEveryNode dg01 v1).Layout | Should -Not -Match 'v1-02'
        (Get-VmVolume dg01 v1 -Node n2).State | Should -Be 'Active'
        Clear-TestFault -Cluster $script:cluster -Node n1
        Wait-Until { (Get-VmTask -DiskGroup dg01 -Volume v1 | Select-Object -First 1).State -eq 'Cancelled' } -Because 'the held copy to see its plex removed'
    }

    It 'refuses a duplicate volume name with VolumeNameExists' {
        Assert-Refused { New-VmVolume -DiskGroup dg01 -Name v1 -Size 8MB } -ErrorId VolumeNameExists -Target 'v1' -Message "already has a volume named 'v1'" | Out-Null
    }

    It 'refuses a volume larger than the free space with InsufficientSpace saying how much is free' {
        $free = (Get-VmDiskGroup dg01).FreeBytes
        $err = Assert-Refused { New-VmVolume -DiskGroup dg01 -Name huge -Size 1GB } -ErrorId InsufficientSpace -Target 'huge' -Message 'free'
        $err.ToString() | Should -Match ([regex]::Escape("($free bytes)"))
        Assert-Refused { Resize-VmVolume -DiskGroup dg01 -Name v1 -Size 1GB } -ErrorId InsufficientSpace -Message 'free' | Out-Null
    }

    It 'refuses more mirrors than the disks allow' {
        Assert-Refused { New-VmVolume -DiskGroup dg01 -Name wide -Size 1MB -Mirror 5 } -ErrorId InsufficientDisks -Target 'wide' -Message 'needs 5 distinct disks' | Out-Null
        Assert-Refused { New-VmVolume -DiskGroup dg01 -Name many -Size 1MB -Mirror 33 } -ErrorId InvalidMirrorCount -Target 'many' | Out-Null
    }

    It 'refuses to resize to <Case> with InvalidSize' -ForEach @(
        @{ Case = 'the same size'; Size = 8MB; Message = 'already' }
        @{ Case = 'zero'; Size = 0; Message = 'greater than zero' }
        @{ Case = 'a negative size'; Size = -8MB; Message = 'cannot be negative' }
    ) {
        Assert-Refused { Resize-VmVolume -DiskGroup dg01 -Name v1 -Size $Size } -ErrorId InvalidSize -Target 'v1' -Message $Message | Out-Null
        (Get-VmVolume dg01 v1 -Node n3).Size | Should -Be 8MB
    }

    It 'refuses a new volume of zero or negative size with InvalidSize' {
        Assert-Refused { New-VmVolume -DiskGroup dg01 -Name zero -Size 0 } -ErrorId InvalidSize -Target 'zero' | Out-Null
        Assert-Refused { New-VmVolume -DiskGroup dg01 -Name neg -Size -1GB } -ErrorId InvalidSize -Target 'neg' -Message 'negative' | Out-Null
    }

    It 'refuses operations on a volume that does not exist with VolumeNotFound' {
        Assert-Refused { Resize-VmVolume -DiskGroup dg01 -Name nosuch -Size 8MB } -ErrorId VolumeNotFound -Target 'nosuch' | Out-Null
        Assert-Refused { Remove-VmVolume -DiskGroup dg01 -Name nosuch -Confirm:$false } -ErrorId VolumeNotFound | Out-Null
        Assert-Refused { Add-VmMirror -DiskGroup nosuchdg -Volume v1 } -ErrorId DiskGroupNotFound | Out-Null
        Get-VmVolume -DiskGroup dg01 -Name nosuch -ErrorVariable err -ErrorAction SilentlyContinue | Should -BeNullOrEmpty
        $err[0].FullyQualifiedErrorId | Should -BeLike 'VolumeNotFound,*'
    }

    It 'refuses Remove-VmDisk of a disk that holds subdisks with DiskHasSubdisks' {
        $disk = (Get-VmVolume dg01 v1).Disks[0]
        Assert-Refused { Remove-VmDisk -DiskGroup dg01 -Disk $disk -Confirm:$false } -ErrorId DiskHasSubdisks -Target $disk -Message "volume 'v1'" | Out-Null
        (Get-VmDiskGroup dg01 -Node n2).Disks | Should -Contain $disk
    }

    It 'adds an unused disk to the group and removes it again, on every node' {
        $before = Assert-ClusterConsistent -Cluster $script:cluster
        $group = Add-VmDisk -DiskGroup dg01 -Disk d05
        $group.Disks | Should -Contain 'd05'
        Assert-ClusterConsistent -Cluster $script:cluster | Should -Be ($before + 1)
        foreach ($node in 'n1', 'n2', 'n3') { (Get-VmDiskGroup dg01 -Node $node).Disks | Should -Contain 'd05' }
        (Get-VmDisk -Name d05).DiskGroup | Should -Be 'dg01'

        Get-VmDisk -Name d05 | Remove-VmDisk -Confirm:$false | Should -BeNullOrEmpty
        Assert-ClusterConsistent -Cluster $script:cluster | Should -Be ($before + 2)
        foreach ($node in 'n1', 'n2', 'n3') { (Get-VmDiskGroup dg01 -Node $node).Disks | Should -Not -Contain 'd05' }
        (Get-VmDisk -Name d05).DiskGroup | Should -BeNullOrEmpty
    }

    It 'changes nothing under -WhatIf' {
        $before = Get-GenerationMap -Cluster $script:cluster
        $layout = (Assert-SameOnEveryNode dg01 v1).Layout
        New-VmVolume -DiskGroup dg01 -Name whatif -Size 8MB -WhatIf | Should -BeNullOrEmpty
        Resize-VmVolume -DiskGroup dg01 -Name v1 -Size 16MB -WhatIf | Should -BeNullOrEmpty
        Add-VmMirror -DiskGroup dg01 -Volume v1 -WhatIf | Should -BeNullOrEmpty
        Remove-VmMirror -DiskGroup dg01 -Volume m1 -Plex m1-02 -WhatIf
        Remove-VmVolume -DiskGroup dg01 -Name v1 -WhatIf
        Add-VmDisk -DiskGroup dg01 -Disk d05 -WhatIf | Should -BeNullOrEmpty
        Remove-VmDisk -DiskGroup dg01 -Disk d04 -WhatIf
        Get-GenerationMap -Cluster $script:cluster | Should -Be $before
        (Assert-SameOnEveryNode dg01 v1).Layout | Should -Be $layout
        Get-VmVolume -DiskGroup dg01 | Where-Object Name -eq whatif | Should -BeNullOrEmpty
    }

    It 'says the effect in the -WhatIf text' {
        # "What if:" goes to the host, not to a stream: a transcript sees what the user sees.
        $log = Join-Path ([IO.Path]::GetTempPath()) ("vmwhatif-" + [Guid]::NewGuid().ToString('N') + '.txt')
        Start-Transcript -LiteralPath $log | Out-Null
        try {
            New-VmVolume -DiskGroup dg01 -Name whatif -Size 8MB -Mirror 2 -WhatIf
            Resize-VmVolume -DiskGroup dg01 -Name v1 -Size 4MB -WhatIf
        }
        finally { Stop-Transcript | Out-Null }
        $text = (Get-Content -LiteralPath $log -Raw) -replace '\s+', ' '
        Remove-Item -LiteralPath $log
        $text | Should -Match "Create.*volume 'whatif' of 8 MiB with 2 mirrors in shared disk group 'dg01'"
        $text | Should -Match "Shrink.*volume 'v1' of shared disk group 'dg01' from 8 MiB to 4 MiB, discarding the data past 4 MiB"
    }

    It 'returns one passed check per node under -CheckOnly and changes nothing' {
        $before = Get-GenerationMap -Cluster $script:cluster
        $results = @(New-VmVolume -DiskGroup dg01 -Name checked -Size 8MB -Mirror 2 -CheckOnly)
        $results.Count | Should -Be 3
        $results.Node | Sort-Object | Should -Be @('n1', 'n2', 'n3')
        $results | ForEach-Object { $_.Passed | Should -BeTrue }
        $results[0].Checks.Name | Should -Contain 'InsufficientSpace'
        Get-GenerationMap -Cluster $script:cluster | Should -Be $before
    }

    It 'lists volumes with wildcards and from a piped disk group' {
        @(Get-VmVolume -DiskGroup dg* -Name *1 | Sort-Object Name).Name | Should -Be @('m1', 'v1')
        @(Get-VmDiskGroup dg01 | Get-VmVolume).Count | Should -Be 2
        Get-VmVolume -DiskGroup nosuchdg -ErrorVariable err -ErrorAction SilentlyContinue | Should -BeNullOrEmpty
        $err[0].FullyQualifiedErrorId | Should -BeLike 'DiskGroupNotFound,*'
    }

    It 'formats volumes and plexes as tables with human sizes' {
        $table = Get-VmVolume dg01 m1 | Format-Table | Out-String -Width 200
        $table | Should -Match 'm1\s+16 MiB\s+Active'
        $table = Get-VmPlex dg01 m1 | Format-Table | Out-String -Width 200
        $table | Should -Match 'm1-01\s+Active\s+16 MiB'
    }

    It 'changes a private disk group on its owner only, found from the piped group' {
        New-VmDiskGroup -Name dgp -Disk d06 -Node n2 | Out-Null
        $shared = Assert-ClusterConsistent -Cluster $script:cluster
        $volume = Get-VmDiskGroup dgp -Node n2 | New-VmVolume -Name pv -Size 8MB
        $volume.Node | Should -Be 'n2'
        (Get-VmVolume -DiskGroup dgp -Name pv -Node n2).Size | Should -Be 8MB
        Get-VmVolume -Node n1 | Where-Object DiskGroup -eq dgp | Should -BeNullOrEmpty
        Assert-ClusterConsistent -Cluster $script:cluster | Should -Be $shared -Because 'a private change moves no shared generation'

        Get-VmVolume -DiskGroup dgp -Node n2 | Remove-VmVolume -Confirm:$false
        Get-VmVolume -DiskGroup dgp -Node n2 | Should -BeNullOrEmpty

        $private = (Get-VmDiskGroup dgp -Node n2).Generation
        Assert-Refused { Remove-VmDisk -DiskGroup dgp -Node n2 -Disk d06 -Confirm:$false } -ErrorId LastDisk -Target 'd06' -Message 'without a disk' | Out-Null
        (Get-VmDiskGroup dgp -Node n2).Generation | Should -Be $private
        (Get-VmDiskGroup dgp -Node n2).Disks | Should -Be @('d06')
        Remove-VmDiskGroup -Name dgp -Node n2 -Confirm:$false
    }
}
