#Requires -Modules Pester
# Every example in the help runs as written against a local cluster: one fresh 3-node cluster, the
# commands' examples in an order where each leaves the state the next one expects (dg01 on d01, d02,
# volume v1, ...). An example fails its test when it throws or writes any error.

BeforeDiscovery {
    Import-Module VolumeManager -ErrorAction Stop
    # Commands not in this list (added later) run after it, in name order.
    $order = @(
        'Get-VmCluster', 'Get-VmNode', 'Get-VmDisk', 'Initialize-VmDisk', 'New-VmDiskGroup', 'Get-VmDiskGroup',
        'Add-VmDisk', 'New-VmVolume', 'Get-VmVolume', 'Get-VmPlex', 'Resize-VmVolume', 'Add-VmMirror', 'Get-VmTask', 'Remove-VmMirror',
        'Export-VmDiskGroup', 'Import-VmDiskGroup',
        'Remove-VmDisk', 'Write-VmVolume', 'Read-VmVolume', 'Remove-VmVolume', 'Remove-VmDiskGroup', 'Get-VmTransaction',
        'Test-VmProposal', 'Invoke-VmKernelCommit', 'Add-VmNode', 'Remove-VmNode',
        'Connect-VmCluster', 'Disconnect-VmCluster', 'Start-VmLocalCluster', 'Stop-VmLocalCluster')
    $names = @(Get-Command -Module VolumeManager -CommandType Cmdlet).Name
    $script:examples = foreach ($name in @($order | Where-Object { $_ -in $names }) + @($names | Where-Object { $_ -notin $order } | Sort-Object)) {
        $number = 0
        foreach ($example in @((Get-Help $name -Full).examples.example)) {
            $number++
            @{ Command = $name; Number = $number; Code = [string] $example.code }
        }
    }
}

BeforeAll {
    Import-Module VolumeManager -ErrorAction Stop
    # The examples put their files under the temporary folder and the current one (./state.yaml, -Path ./other):
    # make both this test's own folder, never the repository.
    $script:savedTemp = $env:TMPDIR
    $script:temp = Join-Path ([IO.Path]::GetTempPath()) ("vmhelp-" + [Guid]::NewGuid().ToString('N').Substring(0, 10))
    $null = New-Item -ItemType Directory -Path $temp
    $env:TMPDIR = $temp
    Push-Location -LiteralPath $temp
    $script:main = Start-VmLocalCluster -Path (Join-Path $temp 'main') -FailureTimeout 00:00:04

    # After an example: the main cluster's sessions are the default again; a connection an example left open is closed.
    # (Adopted sessions make a cluster that is not local: Add-VmNode's examples run before the connection examples.)
    function Restore-Default {
        $current = try { Get-VmCluster -ErrorAction Stop } catch { $null }
        if ($current -and $current.Sessions.InstanceId -contains $main.Sessions[0].InstanceId) { return }
        if ($current) { Disconnect-VmCluster -Cluster $current -WarningAction SilentlyContinue }
        Connect-VmCluster -Session $main.Sessions -DefinitionPath $main.Path | Out-Null
    }
}

AfterAll {
    if ($script:main) { Stop-VmLocalCluster -Cluster $main -Remove -Confirm:$false }
    Pop-Location
    $env:TMPDIR = $savedTemp
    Remove-Item -LiteralPath $temp -Recurse -Force -ErrorAction Ignore
}

Describe 'Help examples run as written' {
    It '<Command> example <Number>' -ForEach $examples {
        $ErrorActionPreference = 'Stop'
        try {
            $null = & ([scriptblock]::Create($Code)) | Out-String
        }
        finally { Restore-Default }
    }
}
