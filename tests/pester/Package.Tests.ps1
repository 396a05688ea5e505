# The module installs the usual way: the built module published with PSResourceGet to a repository in a local folder,
# installed from it into a fresh user folder, imported by name, and a local cluster started and stopped with it.
# It all runs in a child pwsh whose HOME is the test's own folder (PSResourceGet installs under HOME, pwsh looks there
# when XDG_DATA_HOME is unset), so neither the repository registration nor the installed module touches the machine's.

BeforeAll {
    Import-Module VolumeManager -Force -ErrorAction Stop
    $script:built = (Get-Module VolumeManager).ModuleBase
    $script:root = Join-Path ([IO.Path]::GetTempPath()) ('vmpkg-' + [Guid]::NewGuid().ToString('N').Substring(0, 10))
    $null = New-Item -ItemType Directory -Path (Join-Path $root 'repo'), (Join-Path $root 'home')
    $script:pwsh = Join-Path $PSHOME ($IsWindows ? 'pwsh.exe' : 'pwsh')
    $script:version = (Get-Module VolumeManager).Version.ToString()
}

AfterAll {
    Remove-Item -LiteralPath $root -Recurse -Force -ErrorAction Ignore
}

Describe 'The VolumeManager package' {
    It 'is published to a local repository, installed into a fresh folder, imported by name and runs a local cluster' {
        $script = {
            param($Built, $Root)
            $ErrorActionPreference = 'Stop'
            $ProgressPreference = 'SilentlyContinue'
            $PSStyle.OutputRendering = 'PlainText' # its errors end up in a test report (XML: no escape characters)
            Register-PSResourceRepository -Name vmtest -Uri (Join-Path $Root 'repo') -Trusted
            Publish-PSResource -Path $Built -Repository vmtest
            Install-PSResource -Name VolumeManager -Repository vmtest -Scope CurrentUser -TrustRepository
            Import-Module VolumeManager
            $cluster = Start-VmLocalCluster -Path (Join-Path $Root 'cluster') -NodeCount 1 -DiskCount 1 -DiskSize 64MB
            try { $nodes = @(Get-VmNode -Cluster $cluster) }
            finally { Stop-VmLocalCluster -Cluster $cluster -Remove -Confirm:$false }
            [pscustomobject]@{
                Packages   = @(Get-ChildItem (Join-Path $Root 'repo') -Filter *.nupkg).Name
                ModuleBase = (Get-Module VolumeManager).ModuleBase
                Nodes      = @($nodes | ForEach-Object { "$($_.Name) $($_.State) $($_.Role)" })
                ClusterGone = -not (Test-Path (Join-Path $Root 'cluster'))
            } | ConvertTo-Json -Compress
        }
        $saved = @{ HOME = $env:HOME; XDG_DATA_HOME = $env:XDG_DATA_HOME; PSModulePath = $env:PSModulePath }
        # In the test's folder: PSResourceGet's NuGet client may leave a NuGet/NuGet.Config in the current folder.
        Push-Location -LiteralPath $root
        try {
            # Only the child's default module folders: the user folder under the fresh HOME, and pwsh's own.
            $env:HOME = Join-Path $root 'home'
            $env:XDG_DATA_HOME = $null
            $env:PSModulePath = $null
            $output = & $pwsh -NoLogo -NoProfile -NonInteractive -Command "& { $script } '$built' '$root'" 2>&1
        }
        finally {
            Pop-Location
            $env:HOME = $saved.HOME
            $env:XDG_DATA_HOME = $saved.XDG_DATA_HOME
            $env:PSModulePath = $saved.PSModulePath
        }
        $LASTEXITCODE | Should -Be 0 -Because ($output -join "`n")
        $result = ($output | Select-Object -Last 1) | ConvertFrom-Json

        $result.Packages | Should -Be "VolumeManager.$version.nupkg"
        $result.ModuleBase | Should -Be (Join-Path $root 'home' '.local' 'share' 'powershell' 'Modules' 'VolumeManager' $version)
        $result.Nodes | Should -Be 'n1 Joined Master'
        $result.ClusterGone | Should -BeTrue
    }
}
