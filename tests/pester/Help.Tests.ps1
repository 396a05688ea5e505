#Requires -Modules Pester
# Every exported cmdlet has complete help (compiled by build.ps1 from help/*.yaml), and about_VolumeManager is found.

BeforeDiscovery {
    Import-Module VolumeManager -ErrorAction Stop
    $script:commands = @(Get-Command -Module VolumeManager -CommandType Cmdlet | Sort-Object Name | ForEach-Object { @{ Name = $_.Name } })
}

BeforeAll {
    Import-Module VolumeManager -ErrorAction Stop
}

Describe 'Help for <Name>' -ForEach $commands {
    BeforeAll {
        $script:help = Get-Help -Name $Name -Full
        $script:parameters = @((Get-Command $Name).Parameters.Values | Where-Object {
                $_.Name -notin [System.Management.Automation.PSCmdlet]::CommonParameters -and
                $_.Name -notin 'ErrorAction', 'WarningAction', 'InformationAction', 'ProgressAction' -and
                $_.Name -notin [System.Management.Automation.PSCmdlet]::OptionalCommonParameters -and
                -not @($_.Attributes | Where-Object { $_ -is [System.Management.Automation.ParameterAttribute] -and $_.DontShow }).Count
            })
    }

    It 'has a synopsis that is not the generated syntax line' {
        "$($help.Synopsis)".Trim() | Should -Not -BeNullOrEmpty
        "$($help.Synopsis)".Trim() | Should -Not -BeLike "$Name *"
    }

    It 'has a description' {
        ($help.Description.Text -join "`n").Trim() | Should -Not -BeNullOrEmpty
    }

    It 'describes every parameter' {
        $parameters.Count | Should -BeGreaterThan 0
        foreach ($p in $parameters) {
            $entry = @($help.parameters.parameter | Where-Object Name -EQ $p.Name)
            $entry.Count | Should -Be 1 -Because "-$($p.Name) must appear in the help"
            ($entry[0].Description.Text -join ' ').Trim() | Should -Not -BeNullOrEmpty -Because "-$($p.Name) needs a description"
        }
    }

    It 'has at least two examples whose code parses' {
        $examples = @($help.examples.example)
        $examples.Count | Should -BeGreaterOrEqual 2
        foreach ($example in $examples) {
            $parseErrors = $null
            $null = [System.Management.Automation.Language.Parser]::ParseInput($example.code, [ref] $null, [ref] $parseErrors)
            $parseErrors | Should -BeNullOrEmpty -Because "the code of '$($example.title)' must parse"
            "$($example.code)".Trim() | Should -Not -BeNullOrEmpty
        }
    }
}

Describe 'about_VolumeManager' {
    It 'is found by Get-Help and covers the roles, the failure contract and the error ids' {
        $text = Get-Help about_VolumeManager | Out-String
        $text | Should -Match 'TOPIC\s+about_VolumeManager'
        foreach ($word in 'Master', 'Successor', 'Slaves', 'vmconfigd', 'Kernel', 'Start-VmLocalCluster', 'AgentNotRunning', 'Invoke-VmConfiguration') {
            $text | Should -Match $word
        }
    }
}
