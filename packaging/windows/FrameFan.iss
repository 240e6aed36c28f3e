; FrameFan's Windows installer, for Inno Setup 6.3 or later.
;
; It installs the folder build.spec makes (dist\FrameFan) for the current user only, with no
; administrator rights: into %LOCALAPPDATA%\Programs\FrameFan, with a Start-menu entry (and,
; if asked, a desktop shortcut). The uninstaller removes the program and its cache; the
; user's settings, queue and logs (%LOCALAPPDATA%\FrameFan, see core/platform/folders.py)
; are kept unless the user says to delete them, or /DELETEUSERDATA is given to a silent
; uninstall. Videos and the previews FrameFan made are never touched.
;
; The release workflow (.github/workflows/release.yml) builds it with:
;   iscc /DAppVersion=<version> /DSourceDir=<dist\FrameFan> /DOutputDir=<dist>
;        /DIconFile=<FrameFan.ico> /DArch=x86_64 packaging\windows\FrameFan.iss

#ifndef AppVersion
  #error Give the version: iscc /DAppVersion=...
#endif
#ifndef SourceDir
  #error Give the app folder: iscc /DSourceDir=...
#endif
#ifndef OutputDir
  #define OutputDir "."
#endif
#ifndef IconFile
  #error Give the icon: iscc /DIconFile=...
#endif
#ifndef Arch
  #define Arch "x86_64"
#endif
#define UserData "{localappdata}\FrameFan"

[Setup]
; The AppId identifies FrameFan to Windows across versions: never change it.
AppId={{6F1E9C53-2A4B-4C1F-9D47-0F3A8B5E2C71}
AppName=FrameFan
AppVersion={#AppVersion}
AppVerName=FrameFan {#AppVersion}
AppPublisher=FrameFan
DefaultDirName={autopf}\FrameFan
DisableProgramGroupPage=yes
; Per user, no administrator: {autopf} is %LOCALAPPDATA%\Programs.
PrivilegesRequired=lowest
ArchitecturesAllowed=x64compatible
ArchitecturesInstallIn64BitMode=x64compatible
MinVersion=10.0
OutputDir={#OutputDir}
OutputBaseFilename=FrameFan-{#AppVersion}-windows-{#Arch}-setup
SetupIconFile={#IconFile}
UninstallDisplayIcon={app}\FrameFan.exe
UninstallDisplayName=FrameFan {#AppVersion}
LicenseFile={#SourceDir}\LICENSE.txt
WizardStyle=modern
Compression=lzma2
SolidCompression=yes
; A running FrameFan is closed (it stops its ffmpeg first) before files are replaced.
CloseApplications=yes

[Tasks]
Name: "desktopicon"; Description: "Create a &desktop shortcut"; Flags: unchecked

[Files]
Source: "{#SourceDir}\*"; DestDir: "{app}"; Flags: ignoreversion recursesubdirs createallsubdirs

[Icons]
Name: "{autoprograms}\FrameFan"; Filename: "{app}\FrameFan.exe"
Name: "{autodesktop}\FrameFan"; Filename: "{app}\FrameFan.exe"; Tasks: desktopicon

[Run]
Filename: "{app}\FrameFan.exe"; Description: "Start FrameFan"; Flags: nowait postinstall skipifsilent

[UninstallDelete]
; Files FrameFan can make again.
Type: filesandordirs; Name: "{#UserData}\Cache"

[Code]
function AskedToDeleteUserData(): Boolean;
var
  I: Integer;
begin
  Result := False;
  for I := 1 to ParamCount do
    if CompareText(ParamStr(I), '/DELETEUSERDATA') = 0 then
      Result := True;
end;

procedure CurUninstallStepChanged(CurUninstallStep: TUninstallStep);
var
  Folder: String;
  Delete: Boolean;
begin
  if CurUninstallStep <> usPostUninstall then
    exit;
  Folder := ExpandConstant('{#UserData}');
  if not DirExists(Folder) then
    exit;
  Delete := AskedToDeleteUserData();
  if not Delete and not UninstallSilent() then
    Delete := MsgBox('Also delete your FrameFan settings, queue and logs?' + #13#10 + Folder
      + #13#10#13#10 + 'Your videos and the previews FrameFan made are not affected.',
      mbConfirmation, MB_YESNO or MB_DEFBUTTON2) = IDYES;
  if Delete then
    DelTree(Folder, True, True, True);
end;
