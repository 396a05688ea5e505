#Requires -Modules Pester
# Test-VmConfiguration / Invoke-VmConfiguration / Export-VmConfiguration on a real 3-node local cluster
# (64 MB disks): what a user sees of a desired-state file applied, re-applied, previewed, pruned, refused.

BeforeAll {
    Import-Module VolumeManager -ErrorAction Stop
    Import-Module (Join-Path $PSScriptRoot 'VolumeManager.TestHelpers.psm1') -Force
    $script:folder = Join-Path ([IO.Path]::GetTempPath()) ("vmstate-" + [Guid]::NewGuid().ToString('N').Substring(0, 10))
    New-Item -ItemType Directory -Path $script:folder | Out-Null
    $script:cluster = New-TestCluster -Transport Local -Faults

    # A shared group with a mirrored volume and a private group on n2.
    $script:twoGroups = @'
diskGroups:
  - name: dg01
    shared: true
    disks: [d01, d02]
    volumes:
      - { name: v1, size: 16MB, mirrors: 2 }
  - name: pg
    node: n2
    disks: [d03]
    volumes:
      - { name: v2, size: 8MB }
'@

    function Write-State([string] $Name, [string] $Text) {
        $path = Join-Path $script:folder $Name
        Set-Content -Path $path -Value $Text -NoNewline
        $path
    }

    # Removes every disk group, shared and private, so each test starts from an empty configuration.
    function Clear-Configuration($Cluster) {
        foreach ($node in 'n1', 'n2', 'n3') {
            foreach ($group in Get-VmDiskGroup -Cluster $Cluster -Node $node) {
                $owner = if ($group.Shared) { $null } else { $node }
                Remove-VmDiskGroup -Cluster $Cluster -Name $group.Name -Node $owner -Force -Confirm:$false
            }
        }
    }

    # Runs Invoke-VmConfiguration as a user's script sees it: output, non-terminating errors, warnings and information apart.
    function Invoke-State([string] $Path, [hashtable] $With = @{}) {
        $errors = $null; $warnings = $null; $information = $null
        $output = Invoke-VmConfiguration -Path $Path @With -ErrorVariable errors -ErrorAction SilentlyContinue `
            -WarningVariable warnings -WarningAction SilentlyContinue -InformationVariable information
        [pscustomobject]@{ Output = @($output); Errors = @($errors); Warnings = @($warnings); Information = @($information) }
    }

    function Get-WhatIfLines([scriptblock] $Command) {
        $transcript = Join-Path $script:folder ("whatif-" + [Guid]::NewGuid().ToString('N') + '.txt')
        Start-Transcript -Path $transcript -UseMinimalHeader | Out-Null
        try { & $Command | Out-Null } finally { Stop-Transcript | Out-Null }
        @(Get-Content $transcript | Where-Object { $_ -like 'What if:*' })
    }
}

AfterAll {
    $script:cluster | Remove-TestCluster
    if ($script:fresh) { $script:fresh | Remove-TestCluster }
    Remove-Item -LiteralPath $script:folder -Recurse -Force -ErrorAction Ignore
}

Describe 'Desired state over Local endpoints' {
    AfterEach {
        Clear-Configuration $script:cluster
        Assert-ClusterConsistent -Cluster $script:cluster | Out-Null
    }

    It 'applies a file as one transaction per change, and a second run changes nothing and says so' {
        $path = Write-State 'two.yaml' $script:twoGroups
        $first = Invoke-State $path
        $first.Errors | Should -BeNullOrEmpty
        @($first.Output | ForEach-Object { "$($_.Step) $($_.Action) $($_.Target) $($_.Node)" }) |
            Should -Be @('1 Create disk group dg01 n1', '2 Create volume dg01/v1 n1', '3 Create disk group pg n2', '4 Create volume pg/v2 n2')
        $first.Output[0].PSObject.TypeNames[0] | Should -Be 'VolumeManager.Cmdlets.Objects.VmConfigurationChange'
        (Get-VmVolume -DiskGroup dg01 -Name v1).Plexes.Count | Should -Be 2
        (Get-VmVolume -DiskGroup pg -Name v2 -Node n2).Size | Should -Be 8MB
        Assert-ClusterConsistent -Cluster $script:cluster | Out-Null

        $before = Get-GenerationMap -Cluster $script:cluster
        $second = Invoke-State $path
        $second.Output | Should -BeNullOrEmpty
        $second.Errors | Should -BeNullOrEmpty
        "$($second.Information)" | Should -Match 'already has the configuration .*two\.yaml declares; no change was made'
        Get-GenerationMap -Cluster $script:cluster | Should -Be $before
        Test-VmConfiguration -Path $path | Should -BeTrue
    }

    It 'lists one WhatIf line per transaction of the plan and changes nothing on any node' {
        $path = Write-State 'whatif.yaml' $script:twoGroups
        $before = Get-GenerationMap -Cluster $script:cluster
        $lines = Get-WhatIfLines { Invoke-VmConfiguration -Path $path -WhatIf }
        $lines | Should -Be @(
            "What if: Step 1 of 4: create shared disk group 'dg01' on d01, d02 (shared)",
            "What if: Step 2 of 4: create volume 'v1' of 16 MiB with 2 mirrors in disk group 'dg01' (shared)",
            "What if: Step 3 of 4: create private (node n2) disk group 'pg' on d03 (private, node n2)",
            "What if: Step 4 of 4: create volume 'v2' of 8 MiB in disk group 'pg' (private, node n2)")
        Get-GenerationMap -Cluster $script:cluster | Should -Be $before
        Get-VmDiskGroup | Should -BeNullOrEmpty
        Get-VmDiskGroup -Node n2 | Should -BeNullOrEmpty
    }

    It 'reports true, false, and each drift with -Detailed' {
        $path = Write-State 'drift.yaml' $script:twoGroups
        Test-VmConfiguration -Path $path | Should -BeFalse
        Invoke-VmConfiguration -Path $path | Out-Null
        Test-VmConfiguration -Path $path | Should -BeTrue
        Test-VmConfiguration -Path $path -Detailed | Should -BeNullOrEmpty

        $plex = (Get-VmVolume -DiskGroup dg01 -Name v1).Plexes[1].Name
        Remove-VmMirror -DiskGroup dg01 -Volume v1 -Plex $plex -Confirm:$false
        Resize-VmVolume -DiskGroup pg -Name v2 -Size 4MB -Node n2 | Out-Null
        New-VmVolume -DiskGroup dg01 -Name extra -Size 4MB | Out-Null
        Test-VmConfiguration -Path $path | Should -BeFalse
        $drift = @(Test-VmConfiguration -Path $path -Detailed | Sort-Object DiskGroup, Volume)
        @($drift | ForEach-Object { "$($_.Kind) $($_.DiskGroup)/$($_.Volume) $($_.Expected) | $($_.Actual) | $($_.Resolution)" }) | Should -Be @(
            'VolumeNotDeclared dg01/extra (not in the file) | 4MB with 1 plex | Prune',
            'MirrorsMissing dg01/v1 2 mirrors | 1 | Apply',
            'VolumeTooSmall pg/v2 8MB | 4MB | Apply')
        $drift[0].PSObject.TypeNames[0] | Should -Be 'VolumeManager.Cmdlets.Objects.VmConfigurationDrift'
    }

    It 'keeps what the file omits without -Prune, warning about it; -Prune removes and shrinks it' {
        Invoke-VmConfiguration -Path (Write-State 'all.yaml' $script:twoGroups) | Out-Null
        New-VmVolume -DiskGroup dg01 -Name extra -Size 4MB | Out-Null
        Resize-VmVolume -DiskGroup dg01 -Name v1 -Size 24MB | Out-Null
        $path = Write-State 'only-dg01.yaml' ($script:twoGroups -replace '(?s)  - name: pg.*$', '')

        $before = Get-GenerationMap -Cluster $script:cluster
        $kept = Invoke-State $path
        $kept.Output | Should -BeNullOrEmpty
        $kept.Warnings.Count | Should -Be 3
        "$($kept.Warnings)" | Should -Match "disk group 'pg' is not in the file"
        "$($kept.Warnings)" | Should -Match "volume 'extra' of disk group 'dg01' is not in the file"
        "$($kept.Warnings)" | Should -Match "volume 'v1' of disk group 'dg01' is 24 MiB, the file asks for 16 MiB"
        "$($kept.Information)" | Should -Match 'made no change: what differs from .*only-dg01\.yaml is only removed or shrunk under -Prune'
        Get-GenerationMap -Cluster $script:cluster | Should -Be $before

        Get-WhatIfLines { Invoke-VmConfiguration -Path $path -Prune -WhatIf } | Should -Be @(
            "What if: Step 1 of 3: remove private (node n2) disk group 'pg' and its 1 volume (private, node n2)",
            "What if: Step 2 of 3: remove volume 'extra' (4 MiB) from disk group 'dg01' (shared)",
            "What if: Step 3 of 3: shrink volume 'v1' of disk group 'dg01' from 24 MiB to 16 MiB, discarding the data past 16 MiB (shared)")
        Get-GenerationMap -Cluster $script:cluster | Should -Be $before

        $pruned = @(Invoke-VmConfiguration -Path $path -Prune -Confirm:$false)
        @($pruned.Action) | Should -Be @('Remove disk group', 'Remove volume', 'Shrink volume')
        Get-VmDiskGroup -Node n2 | Where-Object Name -eq pg | Should -BeNullOrEmpty
        @(Get-VmVolume -DiskGroup dg01).Name | Should -Be @('v1')
        (Get-VmVolume -DiskGroup dg01 -Name v1).Size | Should -Be 16MB
        Test-VmConfiguration -Path $path | Should -BeTrue
        Assert-ClusterConsistent -Cluster $script:cluster | Out-Null
    }

    It 'refuses a file whose private group belongs to another node, changing nothing' {
        Invoke-VmConfiguration -Path (Write-State 'owner.yaml' $script:twoGroups) | Out-Null
        $path = Write-State 'moved.yaml' ($script:twoGroups -replace 'node: n2', 'node: n3')
        $before = Get-GenerationMap -Cluster $script:cluster
        $result = Invoke-State $path
        $result.Output | Should -BeNullOrEmpty
        $result.Errors.Count | Should -Be 1
        $result.Errors[0].FullyQualifiedErrorId | Should -BeLike 'ConfigurationConflict,*'
        $result.Errors[0].TargetObject | Should -Be 'pg'
        $result.Errors[0].ToString() | Should -Match 'moved\.yaml, line 7, column 5: private disk group .pg. belongs to node n2 in the cluster but to node n3 in the file'
        Get-GenerationMap -Cluster $script:cluster | Should -Be $before
    }

    It 'refuses a malformed file (<Case>) before sending anything, naming line and column' -TestCases @(
        @{ Case = 'bad YAML'; Text = "diskGroups:`n  - name: dg01`n    disks: [d01`n"; Where = 'line \d+, column \d+: not valid YAML' }
        @{ Case = 'unknown key'; Text = "diskGroups:`n  - name: dg01`n    shared: true`n    disks: [d01]`n    colour: blue`n"; Where = "line 5, column 5: unknown key 'colour' in disk group 'dg01'; expected one of: name, shared, node, disks, volumes" }
        @{ Case = 'size 12XB'; Text = "diskGroups:`n  - name: dg01`n    shared: true`n    disks: [d01]`n    volumes:`n      - { name: v1, size: 12XB }`n"; Where = "line 6, column 27: '12XB' is not a size; 'size' in volume 'v1' of disk group 'dg01' must be a whole number of bytes, or a number followed by KB, MB, GB, TB or PB" }
        @{ Case = 'duplicate name'; Text = "diskGroups:`n  - name: dg01`n    shared: true`n    disks: [d01]`n  - name: dg01`n    shared: true`n    disks: [d02]`n"; Where = "line 5, column 5: disk group 'dg01' is declared twice \(first at line 2, column 5\)" }
        @{ Case = 'missing key'; Text = "diskGroups:`n  - name: dg01`n    shared: true`n"; Where = "line 2, column 5: missing required key 'disks' in disk group 'dg01'" }
        @{ Case = 'wrong type'; Text = "diskGroups:`n  - name: dg01`n    shared: true`n    disks: [d01]`n    volumes:`n      - { name: v1, size: 8MB, mirrors: two }`n"; Where = "line 6, column 41: 'two' is not a whole number; 'mirrors' in volume 'v1' of disk group 'dg01' must be one" }
    ) {
        param($Case, $Text, $Where)
        $path = Write-State "bad-$($Case -replace ' ', '-').yaml" $Text
        $before = Get-GenerationMap -Cluster $script:cluster
        $thrown = { Invoke-VmConfiguration -Path $path } | Should -Throw -PassThru
        $thrown.FullyQualifiedErrorId | Should -BeLike 'ConfigurationFileInvalid,*'
        $thrown.TargetObject | Should -Be $path
        $thrown.Exception.Message | Should -Match ([regex]::Escape($path) + ', ' + $Where)
        { Test-VmConfiguration -Path $path } | Should -Throw -ErrorId 'ConfigurationFileInvalid,*'
        Get-GenerationMap -Cluster $script:cluster | Should -Be $before
        Get-VmDiskGroup | Should -BeNullOrEmpty
    }

    It 'stops at the first failing transaction, naming the failing node, and sends none after it' {
        $path = Write-State 'fails.yaml' $script:twoGroups
        $before = Assert-ClusterConsistent -Cluster $script:cluster
        Set-TestFault -Cluster $script:cluster -Node n3 -Rule 'crash-before:ReplyCheckRequest'
        try {
            $result = Invoke-State $path
        }
        finally { Restore-TestCluster -Cluster $script:cluster }
        $result.Output | Should -BeNullOrEmpty
        $result.Errors.Count | Should -BeGreaterOrEqual 1
        $result.Errors[0].FullyQualifiedErrorId | Should -BeLike 'AgentWentAway,*'
        $result.Errors[0].TargetObject | Should -Be 'n3'
        $result.Errors[0].ToString() | Should -Match 'node n3'
        Assert-ClusterConsistent -Cluster $script:cluster | Should -Be $before
        Get-VmDiskGroup | Should -BeNullOrEmpty
        Get-VmDiskGroup -Node n2 | Should -BeNullOrEmpty -Because 'the transactions after the failing one were not sent'
    }
}

Describe 'Export and rebuild on a fresh cluster' {
    It 'exports a configuration that Invoke rebuilds on a fresh cluster, which exports the same file' {
        New-VmDiskGroup -Name dg01 -Disk d01, d02, d03 -Shared | Out-Null
        New-VmVolume -DiskGroup dg01 -Name v1 -Size 12MB -Mirror 2 | Out-Null
        New-VmVolume -DiskGroup dg01 -Name v2 -Size 1536 | Out-Null
        Add-VmMirror -DiskGroup dg01 -Volume v2 | Out-Null
        New-VmDiskGroup -Name pg -Disk d04 -Node n2 | Out-Null
        New-VmVolume -DiskGroup pg -Name v3 -Size 4MB -Node n2 | Out-Null
        $exported = Join-Path $script:folder 'exported.yaml'
        $file = Export-VmConfiguration -Path $exported -PassThru
        $file.FullName | Should -Be $exported
        Test-VmConfiguration -Path $exported | Should -BeTrue
        $script:cluster | Remove-TestCluster
        $script:cluster = $null

        $script:fresh = New-TestCluster -Transport Local
        $changes = @(Invoke-VmConfiguration -Path $exported -Cluster $script:fresh)
        @($changes | ForEach-Object { "$($_.Action) $($_.Target)" }) |
            Should -Be @('Create disk group dg01', 'Create volume dg01/v1', 'Create volume dg01/v2', 'Create disk group pg', 'Create volume pg/v3')
        Test-VmConfiguration -Path $exported -Cluster $script:fresh | Should -BeTrue
        $rebuilt = Join-Path $script:folder 'rebuilt.yaml'
        Export-VmConfiguration -Path $rebuilt -Cluster $script:fresh
        Get-Content -Raw $rebuilt | Should -BeExactly (Get-Content -Raw $exported)
        (Get-VmVolume -DiskGroup dg01 -Name v2 -Cluster $script:fresh).Size | Should -Be 1536
        (Get-VmVolume -DiskGroup pg -Name v3 -Node n2 -Cluster $script:fresh).Plexes.Count | Should -Be 1
        Assert-ClusterConsistent -Cluster $script:fresh | Out-Null
    }
}
