# Smoke test: the module as built by build.ps1 (output/VolumeManager/<version>) imports by name.
# build.ps1 puts output/ first on PSModulePath; this file never imports the source tree.

BeforeAll {
    Import-Module VolumeManager -Force -ErrorAction Stop
    $script:module = Get-Module VolumeManager
}

AfterAll {
    Remove-Module VolumeManager -Force -ErrorAction Ignore
}

Describe 'The built VolumeManager module' {
    It 'imports by name from the build output' {
        $module | Should -Not -BeNullOrEmpty
        $module.ModuleBase | Should -BeLike ('*' + [IO.Path]::Combine('output', 'VolumeManager', $module.Version.ToString()))
    }

    It 'exports the cmdlets its manifest lists' {
        $listed = (Import-PowerShellDataFile (Join-Path $module.ModuleBase 'VolumeManager.psd1')).CmdletsToExport
        $exported = @(Get-Command -Module VolumeManager -CommandType Cmdlet).Name
        $listed.Count | Should -BeGreaterThan 0
        $exported | Sort-Object | Should -Be ($listed | Sort-Object) -Because 'every cmdlet of the manifest must be implemented'
    }

    It 'keeps its private assemblies in bin/, away from VolumeManager.dll' {
        Join-Path $module.ModuleBase 'VolumeManager.dll' | Should -Exist
        Join-Path $module.ModuleBase 'bin' 'VolumeManager.Engine.dll' | Should -Exist
        Join-Path $module.ModuleBase 'VolumeManager.Engine.dll' | Should -Not -Exist
        Join-Path $module.ModuleBase 'YamlDotNet.dll' | Should -Not -Exist
    }

    It 'loads the engine from bin/ into its private load context' {
        $engine = @([AppDomain]::CurrentDomain.GetAssemblies() | Where-Object { $_.GetName().Name -eq 'VolumeManager.Engine' })
        $engine.Count | Should -BeGreaterThan 0
        foreach ($assembly in $engine) {
            $assembly.Location | Should -Be (Join-Path $module.ModuleBase 'bin' 'VolumeManager.Engine.dll')
            [System.Runtime.Loader.AssemblyLoadContext]::GetLoadContext($assembly) |
                Should -Not -Be ([System.Runtime.Loader.AssemblyLoadContext]::Default)
        }
    }
}
