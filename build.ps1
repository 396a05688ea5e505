<#
.SYNOPSIS
    The one entry point for building, testing and running VolumeManager.

.DESCRIPTION
    Build     Compiles the solution and lays the module out as installed:
                output/VolumeManager/<version>/
                    VolumeManager.psd1      (from the repository root)
                    VolumeManager.psm1      (from the repository root, the manifest's RootModule)
                    VolumeManager.dll       (the cmdlets assembly)
                    node/                   (VolumeManager.Node.psd1: the node-side manifest a node's
                                             restricted endpoint imports)
                    bin/                    (Engine, Transport, YamlDotNet: loaded through the
                                             module's private AssemblyLoadContext)
                    agent/                  (framework-dependent vmconfigd: apphost + dlls)
                    formats/                (formats/*.ps1xml: format and type files)
                    en-US/                  (MAML help compiled from help/*.yaml; about_VolumeManager)
              The version comes from Directory.Build.props.
    Test      Build, then the xunit tests (tests/Engine.Tests; tests/Cmdlets.Tests, which host
              PowerShell in-process and import the built module from output/) and the Pester tests
              (tests/pester/*.Tests.ps1) in a child pwsh that imports the built module from
              output/. Ends with one line "N passed, N failed, N skipped" (xunit + Pester).
              Exits non-zero when anything failed or when no test ran. A suite that could not run
              at all (build error, test host crash, Pester crash) counts as one failure.
    Demo      Build, then run examples/demo.ps1 in a child pwsh against the built module.
    Bench     Build, then run tests/bench/Bench.ps1 the same way (if it exists).
    Package   Build, then write the module's package as PSResourceGet publishes it (Compress-PSResource):
              output/packages/VolumeManager.<version>.nupkg. Register-PSResourceRepository on that
              folder and Install-PSResource VolumeManager installs it the usual way.
    Simulate  The xunit tests in Category=Simulation.
    Clean     Remove output/ and every bin/ and obj/ folder of the solution.

.EXAMPLE
    ./build.ps1 -Task Test

.EXAMPLE
    ./build.ps1 -Task Test -Filter 'FullyQualifiedName~Allocator'
    Only the xunit tests (of both xunit projects) that match the dotnet test filter (Pester is skipped).

.EXAMPLE
    ./build.ps1 -Task Test -PesterPath tests/pester/Smoke.Tests.ps1 -NoBuild
    Only one Pester file, against the module already in output/.
#>
[CmdletBinding()]
param(
    [ValidateSet('Build', 'Test', 'Demo', 'Bench', 'Package', 'Simulate', 'Clean')]
    [string] $Task = 'Build',

    [string] $Configuration = 'Release',

    # dotnet test --filter expression for the xunit tests (Test, Simulate).
    [string] $Filter,

    # Pester test files or folders (default: tests/pester).
    [string[]] $PesterPath,

    # Pester FullName filter, wildcards allowed ('*Get-VmDiskGroup*').
    [string[]] $PesterFullName,

    # Pester tag filter.
    [string[]] $PesterTag,

    # Which suites Test runs. Default: both, unless only -Filter (xunit) or only Pester
    # selections (-PesterPath/-PesterFullName/-PesterTag) are given.
    [ValidateSet('All', 'Xunit', 'Pester')]
    [string] $Suite,

    [ValidateSet('None', 'Normal', 'Detailed', 'Diagnostic')]
    [string] $PesterOutput = 'Normal',

    # Skip the build step of Test/Demo/Bench and use what is in output/.
    [switch] $NoBuild
)

Set-StrictMode -Version 3.0
$ErrorActionPreference = 'Stop'
$PSNativeCommandUseErrorActionPreference = $false
$ProgressPreference = 'SilentlyContinue'

$env:DOTNET_NOLOGO = '1'
$env:DOTNET_CLI_TELEMETRY_OPTOUT = '1'
$env:DOTNET_SKIP_FIRST_TIME_EXPERIENCE = '1'

$Root = $PSScriptRoot
$OutputDir = Join-Path $Root 'output'
$WorkDir = Join-Path $OutputDir 'obj'
$ResultsDir = Join-Path $OutputDir 'test-results'
$ModulesDir = Join-Path $OutputDir 'psmodules'
$ModuleName = 'VolumeManager'

# --- facts read once from the repository -------------------------------------------------------

function Get-BuildProperty([string] $Name) {
    $props = [xml](Get-Content -Raw -LiteralPath (Join-Path $Root 'Directory.Build.props'))
    $node = $props.SelectSingleNode("/Project/PropertyGroup/$Name")
    if (-not $node) { throw "Directory.Build.props has no <$Name>." }
    $node.InnerText.Trim()
}

$Version = Get-BuildProperty 'VersionPrefix'
$TargetFramework = Get-BuildProperty 'TargetFramework'
$ModuleDir = Join-Path $OutputDir $ModuleName $Version

$Pwsh = Join-Path $PSHOME ($IsWindows ? 'pwsh.exe' : 'pwsh')
if (-not (Test-Path -LiteralPath $Pwsh -PathType Leaf)) { $Pwsh = (Get-Command pwsh -CommandType Application)[0].Source }

# --- helpers ------------------------------------------------------------------------------------

function Write-Step([string] $Text) {
    Write-Host "==> $Text" -ForegroundColor Cyan
}

# Runs a program attached to this console (so dotnet keeps its colours and live output, and none
# of it ends up in a function's return value); returns the exit code.
function Invoke-Native([string] $FilePath, [string[]] $Arguments) {
    Write-Verbose "$FilePath $Arguments"
    $info = [Diagnostics.ProcessStartInfo]::new($FilePath)
    foreach ($a in $Arguments) { $info.ArgumentList.Add($a) }
    $info.UseShellExecute = $false
    $info.WorkingDirectory = $Root
    $process = [Diagnostics.Process]::Start($info)
    try {
        $process.WaitForExit()
        $process.ExitCode
    }
    finally {
        $process.Dispose()
    }
}

function Invoke-Dotnet {
    Invoke-Native 'dotnet' ([string[]] $args)
}

function Copy-Files([string] $From, [string] $Filter, [string] $To) {
    $null = New-Item -ItemType Directory -Force -Path $To
    Get-ChildItem -LiteralPath $From -Filter $Filter -File -ErrorAction SilentlyContinue |
        Copy-Item -Destination $To
}

# Runs a script in a child pwsh with the given folders in front of PSModulePath; returns the
# child's exit code. The child gets the parent's environment, so set it here and put it back.
function Invoke-ChildPwsh {
    param([string[]] $ModulePath, [string] $File, [string[]] $Arguments = @(), [switch] $Interactive)
    $saved = $env:PSModulePath
    try {
        $env:PSModulePath = (@($ModulePath) + $saved) -join [IO.Path]::PathSeparator
        $options = @('-NoLogo', '-NoProfile') + ($Interactive ? @() : @('-NonInteractive'))
        Invoke-Native $Pwsh ($options + @('-File', $File) + $Arguments)
    }
    finally {
        $env:PSModulePath = $saved
    }
}

# --- Build --------------------------------------------------------------------------------------

function Invoke-Build {
    $sw = [Diagnostics.Stopwatch]::StartNew()
    Write-Step "Build $ModuleName $Version ($Configuration)"

    # One build of the whole solution (parallel, tests included): the layout is copied out of the
    # projects' output folders, which for framework-dependent projects is what publish would give.
    $rc = Invoke-Dotnet build (Join-Path $Root 'VolumeManager.slnx') -c $Configuration -nologo --verbosity minimal
    if ($rc -ne 0) { throw "dotnet build failed (exit code $rc)." }

    $cmdletsOut = Join-Path $Root 'cmdlets' 'bin' $Configuration $TargetFramework
    $agentOut = Join-Path $Root 'module' 'Agent' 'bin' $Configuration $TargetFramework
    $moduleDll = Join-Path $cmdletsOut "$ModuleName.dll"
    if (-not (Test-Path -LiteralPath $moduleDll)) { throw "Build output not found: $moduleDll" }
    if (-not (Test-Path -LiteralPath (Join-Path $agentOut 'vmconfigd.dll'))) { throw "Build output not found: $agentOut/vmconfigd.dll" }

    # A fresh layout every time, so nothing stale survives a rename.
    Remove-Item -LiteralPath (Join-Path $OutputDir $ModuleName) -Recurse -Force -ErrorAction Ignore
    $null = New-Item -ItemType Directory -Force -Path $ModuleDir

    # Top level: the manifest, its root script module and the cmdlets assembly only.
    $manifest = Join-Path $Root "$ModuleName.psd1"
    if (Test-Path -LiteralPath $manifest) {
        $manifestVersion = (Import-PowerShellDataFile -LiteralPath $manifest).ModuleVersion
        if ($manifestVersion -ne $Version) {
            throw "$ModuleName.psd1 has ModuleVersion '$manifestVersion' but Directory.Build.props has '$Version'; PowerShell will not import a module whose folder and manifest versions differ."
        }
        Copy-Item -LiteralPath $manifest -Destination $ModuleDir
    }
    else {
        Write-Warning "$ModuleName.psd1 is missing at the repository root: the built module has no manifest and will not import by name."
    }
    Copy-Files $Root "$ModuleName.psm1" $ModuleDir
    # The node-side manifest a node's restricted endpoint imports (same root module, the node-side cmdlets only).
    Copy-Files (Join-Path $Root 'node') "$ModuleName.Node.psd1" (Join-Path $ModuleDir 'node')
    Copy-Item -LiteralPath $moduleDll -Destination $ModuleDir
    Copy-Files $cmdletsOut "$ModuleName.pdb" $ModuleDir

    # bin/: every other assembly the cmdlets project copies locally (System.Management.Automation
    # is excluded from its runtime assets, so this is exactly the private dependencies).
    $binDir = Join-Path $ModuleDir 'bin'
    $null = New-Item -ItemType Directory -Force -Path $binDir
    Get-ChildItem -LiteralPath $cmdletsOut -File |
        Where-Object { $_.Extension -in '.dll', '.pdb' -and $_.BaseName -ne $ModuleName } |
        Copy-Item -Destination $binDir
    $runtimes = Join-Path $cmdletsOut 'runtimes'
    if (Test-Path -LiteralPath $runtimes) { Copy-Item -LiteralPath $runtimes -Destination $binDir -Recurse }

    # agent/: the whole framework-dependent output of vmconfigd (apphost, dlls, deps, runtimeconfig).
    Copy-Item -LiteralPath $agentOut -Destination (Join-Path $ModuleDir 'agent') -Recurse

    # formats/: the format and type files.
    Copy-Files (Join-Path $Root 'formats') '*.ps1xml' (Join-Path $ModuleDir 'formats')

    # en-US/: MAML help compiled from help/<Verb-Noun>.yaml against the built cmdlets, and the about topic.
    $helpScript = Join-Path $Root 'help' 'ConvertTo-MamlHelp.ps1'
    $rc = Invoke-ChildPwsh -ModulePath $OutputDir -File $helpScript -Arguments '-ModuleDir', $ModuleDir, '-HelpDir', (Join-Path $Root 'help')
    if ($rc -ne 0) { throw "Compiling the help failed (exit code $rc): see the message above." }

    Write-Host ("Module laid out in {0} ({1:N1} s)" -f [IO.Path]::GetRelativePath($Root, $ModuleDir), $sw.Elapsed.TotalSeconds)
}

# --- Pester from NuGet --------------------------------------------------------------------------

# Restores tests/tools/PesterRestore.csproj (a PackageDownload of Pester) when the package is not in
# the NuGet cache yet, and links output/psmodules/Pester/<version> to the package's tools/ folder.
function Initialize-Pester {
    $restoreProject = Join-Path $Root 'tests' 'tools' 'PesterRestore.csproj'
    $xml = [xml](Get-Content -Raw -LiteralPath $restoreProject)
    $item = $xml.SelectSingleNode("//PackageDownload[@Include='Pester']")
    if (-not $item) { throw "$restoreProject has no PackageDownload of Pester." }
    $pesterVersion = $item.GetAttribute('Version').Trim('[', ']', ' ')

    $packages = $env:NUGET_PACKAGES ? $env:NUGET_PACKAGES : (Join-Path ([Environment]::GetFolderPath('UserProfile')) '.nuget' 'packages')
    $tools = Join-Path $packages 'pester' $pesterVersion 'tools'
    if (-not (Test-Path -LiteralPath (Join-Path $tools 'Pester.psd1'))) {
        Write-Step "Restore Pester $pesterVersion from NuGet"
        $rc = Invoke-Dotnet restore $restoreProject -nologo --verbosity minimal
        if ($rc -ne 0) { throw "Restoring Pester failed (exit code $rc)." }
        if (-not (Test-Path -LiteralPath (Join-Path $tools 'Pester.psd1'))) { throw "Pester.psd1 not found in $tools after restore." }
    }

    $link = Join-Path $ModulesDir 'Pester' $pesterVersion
    $existing = Get-Item -LiteralPath $link -Force -ErrorAction Ignore
    if (-not $existing -or $existing.LinkTarget -ne $tools) {
        if ($existing) { Remove-Item -LiteralPath $link -Force -Recurse }
        $null = New-Item -ItemType Directory -Force -Path (Split-Path $link)
        $null = New-Item -ItemType SymbolicLink -Path $link -Target $tools
    }
    $pesterVersion
}

# --- Tests --------------------------------------------------------------------------------------

function New-Counts([string] $Name) {
    [pscustomobject]@{ Name = $Name; Passed = 0; Failed = 0; Skipped = 0 }
}

function Write-Counts($Counts) {
    Write-Host ("{0}: {1} passed, {2} failed, {3} skipped" -f $Counts.Name, $Counts.Passed, $Counts.Failed, $Counts.Skipped)
}

# dotnet test with a trx logger; the counts come from the trx file, one UnitTestResult per test
# case (theory rows included). Outcome NotExecuted is a skip; Error/Timeout/Aborted are failures.
# $Project is a folder under tests/ (Engine.Tests, Cmdlets.Tests); its trx is <project>.trx in
# lower case with '-' for '.' (engine-tests.trx).
function Invoke-Xunit([string] $TestFilter, [switch] $AlreadyBuilt, [string] $Project = 'Engine.Tests') {
    $counts = New-Counts "xunit $Project"
    $trxName = ($Project -replace '\.', '-').ToLowerInvariant() + '.trx'
    $trx = Join-Path $ResultsDir $trxName
    Remove-Item -LiteralPath $trx -Force -ErrorAction Ignore

    $arguments = @('test', (Join-Path $Root 'tests' $Project), '-c', $Configuration, '-nologo',
        '--logger', "trx;LogFileName=$trxName", '--results-directory', $ResultsDir)
    if ($AlreadyBuilt) { $arguments += '--no-build' }
    if ($TestFilter) { $arguments += '--filter', $TestFilter }
    Write-Step "xunit: dotnet test tests/$Project$($TestFilter ? " --filter '$TestFilter'" : '')"
    $rc = Invoke-Dotnet @arguments

    if (Test-Path -LiteralPath $trx) {
        $doc = [xml](Get-Content -Raw -LiteralPath $trx)
        foreach ($result in $doc.GetElementsByTagName('UnitTestResult')) {
            switch ($result.GetAttribute('outcome')) {
                'Passed' { $counts.Passed++ }
                'NotExecuted' { $counts.Skipped++ }
                'Inconclusive' { $counts.Skipped++ }
                default { $counts.Failed++ }
            }
        }
    }
    if ($rc -ne 0 -and $counts.Failed -eq 0) {
        Write-Host "dotnet test exited with code $rc but reported no failed test (build error or test host crash): counted as 1 failure." -ForegroundColor Red
        $counts.Failed = 1
    }
    Write-Counts $counts
    $counts
}

# Pester in a child pwsh: output/ (the built module) and output/psmodules (Pester) in front of
# PSModulePath. The child writes its counts to a JSON file.
function Invoke-PesterTests {
    $counts = New-Counts 'Pester'
    $paths = if ($PesterPath) {
        foreach ($p in $PesterPath) { (Resolve-Path -LiteralPath $p).ProviderPath }
    }
    else { Join-Path $Root 'tests' 'pester' }

    $files = @($paths | ForEach-Object {
            if (Test-Path -LiteralPath $_ -PathType Container) { Get-ChildItem -LiteralPath $_ -Recurse -Filter '*.Tests.ps1' -File }
            else { Get-Item -LiteralPath $_ }
        })
    if ($files.Count -eq 0) {
        Write-Host 'Pester: no *.Tests.ps1 files, nothing to run.'
        Write-Counts $counts
        return $counts
    }

    $pesterVersion = Initialize-Pester
    Write-Step "Pester $pesterVersion`: $($files.Count) file(s)"

    $null = New-Item -ItemType Directory -Force -Path $WorkDir, $ResultsDir
    # Per-run names: developers run several build.ps1 at once in one checkout.
    $request = Join-Path $WorkDir "pester-request-$PID.json"
    $summary = Join-Path $WorkDir "pester-summary-$PID.json"
    Remove-Item -LiteralPath $summary -Force -ErrorAction Ignore
    [ordered]@{
        PesterVersion = $pesterVersion
        Path          = @($files.FullName)
        FullName      = @($PesterFullName | Where-Object { $_ })
        Tag           = @($PesterTag | Where-Object { $_ })
        Output        = $PesterOutput
        TestResult    = Join-Path $ResultsDir 'pester.xml'
        Summary       = $summary
    } | ConvertTo-Json | Set-Content -LiteralPath $request

    $runner = Join-Path $WorkDir "run-pester-$PID.ps1"
    Set-Content -LiteralPath $runner -Value $PesterRunner
    try {
        $rc = Invoke-ChildPwsh -ModulePath $OutputDir, $ModulesDir -File $runner -Arguments $request
        if (Test-Path -LiteralPath $summary) {
            $r = Get-Content -Raw -LiteralPath $summary | ConvertFrom-Json
            $counts.Passed = $r.Passed
            $counts.Failed = $r.Failed
            $counts.Skipped = $r.Skipped
        }
    }
    finally {
        Remove-Item -LiteralPath $request, $summary, $runner -Force -ErrorAction Ignore
    }
    if ($rc -ne 0 -and $counts.Failed -eq 0) {
        Write-Host "The Pester run exited with code $rc without a result: counted as 1 failure." -ForegroundColor Red
        $counts.Failed = 1
    }
    Write-Counts $counts
    $counts
}

# The child side of the Pester run. Failed counts failed tests, plus each failed container (a file
# that does not parse) or failed block (an AfterAll that throws) in which no test failed, so that
# every problem shows in the failed count once.
$PesterRunner = @'
param([string] $RequestFile)
$ErrorActionPreference = 'Stop'
$request = Get-Content -Raw -LiteralPath $RequestFile | ConvertFrom-Json
Import-Module Pester -RequiredVersion $request.PesterVersion

$config = New-PesterConfiguration
$config.Run.Path = [string[]] $request.Path
$config.Run.PassThru = $true
$config.Run.Exit = $false
$config.Output.Verbosity = $request.Output
$config.TestResult.Enabled = $true
$config.TestResult.OutputFormat = 'NUnitXml'
$config.TestResult.OutputPath = $request.TestResult
if ($request.FullName) { $config.Filter.FullName = [string[]] $request.FullName }
if ($request.Tag) { $config.Filter.Tag = [string[]] $request.Tag }

$result = Invoke-Pester -Configuration $config

function Test-HasFailedTest($Block) {
    @($Block.Tests | Where-Object Result -EQ 'Failed').Count -gt 0 -or
        @($Block.Blocks | Where-Object { Test-HasFailedTest $_ }).Count -gt 0
}
$failedContainers = @($result.FailedContainers | Where-Object { -not (Test-HasFailedTest $_) }).Count
$failedBlocks = @($result.FailedBlocks | Where-Object { -not (Test-HasFailedTest $_) }).Count

[ordered]@{
    Passed  = $result.PassedCount
    Failed  = $result.FailedCount + $failedContainers + $failedBlocks
    Skipped = $result.SkippedCount
    NotRun  = $result.NotRunCount
    Result  = $result.Result
} | ConvertTo-Json | Set-Content -LiteralPath $request.Summary
exit 0
'@

function Invoke-Test {
    $selected = $Suite
    if (-not $selected) {
        $pesterSelected = $PesterPath -or $PesterFullName -or $PesterTag
        $selected = if ($Filter -and -not $pesterSelected) { 'Xunit' } elseif ($pesterSelected -and -not $Filter) { 'Pester' } else { 'All' }
    }

    $all = [Collections.Generic.List[object]]::new()
    try {
        if (-not $NoBuild) { Invoke-Build }
    }
    catch {
        Write-Host "Build failed: $($_.Exception.Message)" -ForegroundColor Red
        $c = New-Counts 'build'; $c.Failed = 1; $all.Add($c)
    }
    if ($all.Count -eq 0) {
        $null = New-Item -ItemType Directory -Force -Path $ResultsDir
        # Each run counts on its own: one that cannot run at all is one failure, and the others still run.
        $runs = @(
            @{ Suite = 'xunit'; Name = 'xunit Engine.Tests'; Run = { Invoke-Xunit -Project 'Engine.Tests' -TestFilter $Filter -AlreadyBuilt:(-not $NoBuild) } }
            @{ Suite = 'xunit'; Name = 'xunit Cmdlets.Tests'; Run = { Invoke-Xunit -Project 'Cmdlets.Tests' -TestFilter $Filter -AlreadyBuilt:(-not $NoBuild) } }
            @{ Suite = 'Pester'; Name = 'Pester'; Run = { Invoke-PesterTests } }
        )
        foreach ($run in $runs) {
            if ($selected -notin 'All', $run.Suite) { continue }
            try { $all.Add((& $run.Run)) }
            catch {
                Write-Host "$($run.Name) could not run: $($_.Exception.Message)" -ForegroundColor Red
                $c = New-Counts $run.Name; $c.Failed = 1; $all.Add($c)
            }
        }
    }
    Complete-TestRun $all
}

# Prints the one summary line last and exits: non-zero on any failure or when no test ran.
function Complete-TestRun($All) {
    $passed = ($All | Measure-Object Passed -Sum).Sum
    $failed = ($All | Measure-Object Failed -Sum).Sum
    $skipped = ($All | Measure-Object Skipped -Sum).Sum
    if ($failed -eq 0 -and $passed -eq 0) {
        Write-Host 'No test ran.' -ForegroundColor Red
    }
    Write-Host "$passed passed, $failed failed, $skipped skipped"
    exit (($failed -gt 0 -or $passed -eq 0) ? 1 : 0)
}

# --- other tasks --------------------------------------------------------------------------------

function Invoke-Script([string] $Path, [string] $What, [switch] $Interactive) {
    if (-not $NoBuild) { Invoke-Build }
    if (-not (Test-Path -LiteralPath $Path)) {
        Write-Host "$What`: $([IO.Path]::GetRelativePath($Root, $Path)) does not exist, nothing to run."
        return
    }
    Write-Step "$What`: $([IO.Path]::GetRelativePath($Root, $Path))"
    $rc = Invoke-ChildPwsh -ModulePath $OutputDir -File $Path -Interactive:$Interactive
    if ($rc -ne 0) { Write-Host "$What exited with code $rc." -ForegroundColor Red; exit $rc }
}

# The built module as a .nupkg (what Publish-PSResource would put in a repository), in output/packages.
function Invoke-Package {
    if (-not $NoBuild) { Invoke-Build }
    Write-Step 'Package'
    Import-Module Microsoft.PowerShell.PSResourceGet -ErrorAction Stop
    $packages = Join-Path $OutputDir 'packages'
    $null = New-Item -ItemType Directory -Force -Path $packages
    Remove-Item -LiteralPath (Join-Path $packages "$ModuleName.$Version.nupkg") -ErrorAction Ignore
    # From output/: PSResourceGet's NuGet client may write a default NuGet/NuGet.Config in the current folder.
    Push-Location $OutputDir
    try { Compress-PSResource -Path $ModuleDir -DestinationPath $packages }
    finally { Pop-Location }
    $package = Join-Path $packages "$ModuleName.$Version.nupkg"
    if (-not (Test-Path -LiteralPath $package)) { throw "Compress-PSResource wrote no $ModuleName.$Version.nupkg in $packages." }
    Write-Host "Package: $([IO.Path]::GetRelativePath($Root, $package)) ($([Math]::Round((Get-Item $package).Length / 1MB, 1)) MB)"
}

function Invoke-Clean {
    Write-Step 'Clean'
    Remove-Item -LiteralPath $OutputDir -Recurse -Force -ErrorAction Ignore
    foreach ($dir in 'cmdlets', 'module', 'tests') {
        Get-ChildItem -LiteralPath (Join-Path $Root $dir) -Directory -Recurse -Include 'bin', 'obj', 'TestResults' -ErrorAction Ignore |
            Where-Object { Test-Path -LiteralPath $_.FullName } |
            Remove-Item -Recurse -Force
    }
}

# --- main ---------------------------------------------------------------------------------------

Push-Location $Root
try {
    switch ($Task) {
        'Build' { Invoke-Build }
        'Test' { Invoke-Test }
        'Demo' { Invoke-Script (Join-Path $Root 'examples' 'demo.ps1') 'Demo' -Interactive }
        'Bench' { Invoke-Script (Join-Path $Root 'tests' 'bench' 'Bench.ps1') 'Bench' }
        'Package' { Invoke-Package }
        'Simulate' {
            $null = New-Item -ItemType Directory -Force -Path $ResultsDir
            $simFilter = $Filter ? "(Category=Simulation)&($Filter)" : 'Category=Simulation'
            Complete-TestRun @(Invoke-Xunit -TestFilter $simFilter)
        }
        'Clean' { Invoke-Clean }
    }
}
catch {
    Write-Host "build.ps1 -Task $Task failed: $($_.Exception.Message)" -ForegroundColor Red
    exit 1
}
finally {
    Pop-Location
}
