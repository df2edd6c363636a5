"""A STAND-IN for the `dotnet` CLI (no .NET SDK runs on this machine): what the generated NuGet
release workflow calls, and only that, each call recorded (its arguments, directory and
environment, one JSON line in the log file named by ``--standin-log``).

- ``dotnet msbuild PROJECT -getProperty:NAME``: the project's property as MSBuild evaluates a
  plain SDK project: the nearest Directory.Build.props, then the project's PropertyGroups in
  order, ``$(Name)`` references expanded; defaults AssemblyName (the file's name), PackageId
  (the AssemblyName), Version (VersionPrefix, 1.0.0, with -VersionSuffix).
- ``dotnet restore|test|pack [PROJECT]``: restore downloads each PackageReference from the
  sources of the nuget.config files (the project's directory up to the root, then the user's),
  as NuGet does: an anonymous request first, on 401 the source's credentials
  (`NuGetPackageSourceCredentials_<name>`, then the config's Username/ClearTextPassword with
  ``%VAR%`` read from the environment). `test` then "runs the tests": they pass unless the
  project sets ``StandInTestsFail`` to true. `pack` writes ``<id>.<version>.nupkg`` (a zip
  with the nuspec NuGet writes: id, version, authors, description, repository type/url,
  dependencies; a placeholder assembly; the OPC parts, the core-properties part under a
  random name as NuGet names it, so two packs of one project differ) into ``--output``;
  ``-p:NAME=VALUE`` global properties win over the project's; a ``NuspecFile`` is packed as
  it is (RepositoryUrl then does not apply).
- ``dotnet nuget push PATH... --source URL|NAME --api-key KEY [--skip-duplicate]``: as
  NuGet.Client's PackageUpdateResource.cs: the service index's ``PackagePublish/2.0.0``
  address with a trailing slash (GetServiceEndpointUrl), a ``PUT`` of multipart/form-data
  whose part ``package`` (file name ``package.nupkg``, application/octet-stream) is the
  .nupkg, the key in ``X-NuGet-ApiKey`` (CreateRequest); 409 fails unless --skip-duplicate
  (then "already exists", success). Sent with a Content-Length, not chunked.

Only 127.0.0.1 is ever contacted: any other source is skipped ("not contacted").
"""

from __future__ import annotations

import base64
import json
import os
import re
import sys
import urllib.error
import urllib.parse
import urllib.request
import uuid
import zipfile
from pathlib import Path
from typing import Any, NoReturn
from xml.etree import ElementTree as ET

NUGET_ORG = "https://api.nuget.org/v3/index.json"
_REFERENCE = re.compile(r"\$\(([A-Za-z_][A-Za-z0-9_.-]*)\)")
_MACRO = re.compile(r"%([^%]+)%")


class _NoRedirect(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *args: Any, **kwargs: Any) -> None:
        return None


_OPENER = urllib.request.build_opener(urllib.request.ProxyHandler({}), _NoRedirect())


def fail(message: str) -> NoReturn:
    print(message)
    sys.exit(1)


# -- MSBuild, as far as plain SDK projects go -------------------------------------------------
def find_project(argument: str | None) -> Path:
    path = Path(argument or ".")
    if path.is_file():
        return path
    projects = sorted(p for p in path.glob("*.*proj") if p.is_file())
    solutions = sorted(path.glob("*.sln"))
    if len(projects) + len(solutions) > 1:
        fail(
            "MSBUILD : error MSB1011: Specify which project or solution file to use because"
            " this folder contains more than one project or solution file."
        )
    if not projects:
        fail(
            "MSBUILD : error MSB1003: Specify a project or solution file. The current working"
            " directory does not contain a project or solution file."
        )
    return projects[0]


def _local(tag: str) -> str:
    return tag.rsplit("}", 1)[-1]


def properties(project: Path, overrides: dict[str, str]) -> dict[str, str]:
    values = {"AssemblyName": project.stem, "Configuration": "Debug"}
    files = [project]
    for directory in project.resolve().parents:
        if (directory / "Directory.Build.props").is_file():
            files.insert(0, directory / "Directory.Build.props")
            break
    for path in files:
        for group in ET.parse(path).getroot():
            if _local(group.tag) != "PropertyGroup":
                continue
            for element in group:
                text = element.text or ""
                values[_local(element.tag)] = _REFERENCE.sub(
                    lambda m: values.get(m.group(1), ""), text.strip()
                )
    values.update(overrides)
    values.setdefault("PackageId", values["AssemblyName"])
    if "Version" not in values:
        prefix = values.get("VersionPrefix") or "1.0.0"
        suffix = values.get("VersionSuffix")
        values["Version"] = f"{prefix}-{suffix}" if suffix else prefix
    values.setdefault("Authors", values["AssemblyName"])
    values.setdefault("Description", "Package Description")
    values.setdefault("TargetFramework", "net10.0")
    return values


def references(project: Path) -> list[tuple[str, str]]:
    out = []
    for element in ET.parse(project).getroot().iter():
        if _local(element.tag) == "PackageReference":
            version = element.get("Version") or next(
                (c.text or "" for c in element if _local(c.tag) == "Version"), ""
            )
            out.append((element.get("Include", ""), version.strip()))
    return out


def normalized(version: str) -> str:
    """NuGet's normalized version: no metadata, no leading zeros, three parts at least."""
    version = version.split("+", 1)[0]
    release, dash, label = version.partition("-")
    parts = [str(int(p)) for p in release.split(".")]
    while len(parts) < 3:
        parts.append("0")
    if len(parts) == 4 and parts[3] == "0":
        parts = parts[:3]
    return ".".join(parts) + (dash + label if dash else "")


# -- NuGet's configuration ---------------------------------------------------------------------
def config_files(start: Path) -> list[Path]:
    """The nuget.config files NuGet reads, closest first, then the user's."""
    found = []
    for directory in [start.resolve(), *start.resolve().parents]:
        for entry in sorted(directory.glob("*")) if directory.is_dir() else []:
            if entry.name.lower() == "nuget.config" and entry.is_file():
                found.append(entry)
                break
    user = Path(os.environ.get("HOME", "/nonexistent")) / ".nuget" / "NuGet" / "NuGet.Config"
    if user.is_file():
        found.append(user)
    return found


def sources(start: Path) -> tuple[list[tuple[str, str]], dict[str, dict[str, str]]]:
    """The package sources (name, URL) in order, and each source's credentials."""
    listed: dict[str, str] = {}
    cleared = False
    credentials: dict[str, dict[str, str]] = {}
    for path in reversed(config_files(start)):  # the closest file applies last
        root = ET.parse(path).getroot()
        for section in root:
            if section.tag == "packageSources":
                for item in section:
                    if item.tag == "clear":
                        listed, cleared = {}, True
                    elif item.tag == "add":
                        listed[item.get("key", "")] = item.get("value", "")
            elif section.tag == "packageSourceCredentials":
                for source in section:
                    name = source.tag.replace("_x0020_", " ")
                    credentials[name] = {a.get("key", ""): a.get("value", "") for a in source}
    if not listed and not cleared:
        listed = {"nuget.org": NUGET_ORG}
    return list(listed.items()), credentials


def expand(value: str) -> str:
    """`%VAR%` from the environment; a variable that is not set stays as it is."""
    return _MACRO.sub(lambda m: os.environ.get(m.group(1), m.group(0)), value)


def credential(name: str, credentials: dict[str, dict[str, str]]) -> tuple[str, str] | None:
    variable = os.environ.get(f"NuGetPackageSourceCredentials_{name}")
    if variable:
        fields = dict(p.split("=", 1) for p in variable.split(";") if "=" in p)
        if "Username" in fields and "Password" in fields:
            return fields["Username"], fields["Password"]
    entry = {k.lower(): v for k, v in credentials.get(name, {}).items()}
    if "password" in entry:
        fail(f"error: Password decryption is not supported on .NET Core for this platform ({name})")
    if "username" in entry and "cleartextpassword" in entry:
        return expand(entry["username"]), expand(entry["cleartextpassword"])
    return None


# -- HTTP, loopback only -----------------------------------------------------------------------
def loopback(url: str) -> bool:
    return urllib.parse.urlsplit(url).hostname == "127.0.0.1"


def request(
    method: str,
    url: str,
    login: tuple[str, str] | None,
    *,
    data: bytes | None = None,
    headers: dict[str, str] | None = None,
) -> tuple[int, bytes]:
    """NuGet's request: anonymous first, then, on 401, with the source's credentials."""
    if not loopback(url):
        raise AssertionError(f"the stand-in contacts 127.0.0.1 only: {url}")
    print(f"  {method} {url}")
    attempts = [None, login] if login is not None else [None]
    status, body = 0, b""
    for attempt in attempts:
        sent = urllib.request.Request(url, data=data, method=method, headers=dict(headers or {}))
        if attempt is not None:
            token = base64.b64encode(f"{attempt[0]}:{attempt[1]}".encode()).decode()
            sent.add_header("Authorization", f"Basic {token}")
        try:
            with _OPENER.open(sent, timeout=30) as response:
                status, body = response.status, response.read()
        except urllib.error.HTTPError as error:
            status, body = error.code, error.read()
        if status != 401:
            break
    print(f"  {_REASONS.get(status, str(status))} {url}")
    return status, body


_REASONS = {
    200: "OK",
    201: "Created",
    202: "Accepted",
    401: "Unauthorized",
    403: "Forbidden",
    404: "NotFound",
    409: "Conflict",
}


def service_index(url: str, login: tuple[str, str] | None) -> dict[str, str]:
    status, body = request("GET", url, login)
    if status != 200:
        fail(
            f"error: Unable to load the service index for source {url}.\nerror:   Response"
            f" status code does not indicate success: {status} ({_REASON_TEXT.get(status, '')})."
        )
    resources = json.loads(body)["resources"]
    return {r["@type"]: r["@id"] for r in reversed(resources)}


_REASON_TEXT = {401: "Unauthorized", 403: "Forbidden", 404: "Not Found", 409: "Conflict"}


# -- restore, test, pack -----------------------------------------------------------------------
def restore(project: Path) -> None:
    wanted = references(project)
    listed, credentials = sources(project.parent)
    print(f"  Determining projects to restore... ({project.name}, {len(wanted)} packages)")
    folder = Path(os.environ.get("NUGET_PACKAGES") or Path(os.environ["HOME"]) / ".nuget/packages")
    for package_id, version in wanted:
        if not _restore_one(package_id, version, listed, credentials, folder):
            names = ", ".join(name for name, _ in listed)
            fail(
                f"{project}: error NU1101: Unable to find package {package_id}. No packages"
                f" exist with this id in source(s): {names}"
            )
    print(f"  Restored {project}")


def _restore_one(
    package_id: str,
    version: str,
    listed: list[tuple[str, str]],
    credentials: dict[str, dict[str, str]],
    folder: Path,
) -> bool:
    lower, wanted = package_id.lower(), normalized(version).lower()
    for name, url in listed:
        if not loopback(url):
            print(f"  stand-in: source {name} ({url}) not contacted: no network here")
            continue
        login = credential(name, credentials)
        base = service_index(url, login).get("PackageBaseAddress/3.0.0")
        if base is None:
            continue
        status, body = request("GET", f"{base.rstrip('/')}/{lower}/index.json", login)
        if status != 200 or wanted not in json.loads(body)["versions"]:
            continue
        nupkg = f"{base.rstrip('/')}/{lower}/{wanted}/{lower}.{wanted}.nupkg"
        status, content = request("GET", nupkg, login)
        if status != 200:
            fail(
                f"error NU1301: Failed to download package '{package_id}.{wanted}' from '{nupkg}'."
            )
        target = folder / lower / wanted
        target.mkdir(parents=True, exist_ok=True)
        (target / f"{lower}.{wanted}.nupkg").write_bytes(content)
        print(f"  Installed {package_id} {wanted} from {url}")
        return True
    return False


def test(project: Path, overrides: dict[str, str]) -> None:
    restore(project)
    if properties(project, overrides).get("StandInTestsFail", "").lower() == "true":
        fail("  Failed!  - Failed:     1, Passed:     0, Skipped:     0, Total:     1 (stand-in)")
    print("  Passed!  - Failed:     0, Passed:     1, Skipped:     0, Total:     1 (stand-in)")


def nuspec(values: dict[str, str], package_id: str, version: str, project: Path) -> str:
    metadata = ET.Element("metadata")
    for key, text in (
        ("id", package_id),
        ("version", version),
        ("authors", values["Authors"]),
        ("description", values["Description"]),
    ):
        ET.SubElement(metadata, key).text = text
    if values.get("RepositoryUrl"):
        attributes = {"type": values.get("RepositoryType", ""), "url": values["RepositoryUrl"]}
        ET.SubElement(metadata, "repository", {k: v for k, v in attributes.items() if v})
    dependencies = ET.SubElement(metadata, "dependencies")
    group = ET.SubElement(dependencies, "group", {"targetFramework": values["TargetFramework"]})
    for dependency, wanted in references(project):
        ET.SubElement(
            group, "dependency", {"id": dependency, "version": wanted, "exclude": "Build,Analyzers"}
        )
    package = ET.Element(
        "package", {"xmlns": "http://schemas.microsoft.com/packaging/2013/05/nuspec.xsd"}
    )
    package.append(metadata)
    ET.indent(package)
    return '<?xml version="1.0" encoding="utf-8"?>\n' + ET.tostring(package, "unicode") + "\n"


def pack(project: Path, output: Path, overrides: dict[str, str]) -> None:
    restore(project)
    values = properties(project, overrides)
    if values.get("IncludeSymbols", "").lower() == "true":
        fail("stand-in: symbol packages (IncludeSymbols) are not implemented")
    if values.get("NuspecFile"):
        text = (project.parent / values["NuspecFile"]).read_text()
        root = ET.fromstring(text)
        found = {_local(e.tag): (e.text or "").strip() for e in root.iter()}
        package_id, version = found["id"], normalized(found["version"])
    else:
        package_id, version = values["PackageId"], normalized(values["Version"])
        text = nuspec(values, package_id, version, project)
    output.mkdir(parents=True, exist_ok=True)
    path = output / f"{package_id}.{version}.nupkg"
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("_rels/.rels", _RELS)
        archive.writestr(f"{package_id}.nuspec", text)
        tfm = values["TargetFramework"]
        archive.writestr(
            f"lib/{tfm}/{values['AssemblyName']}.dll", f"stand-in assembly {package_id}"
        )
        archive.writestr(
            f"package/services/metadata/core-properties/{uuid.uuid4().hex}.psmdcp", _CORE
        )
        archive.writestr("[Content_Types].xml", _TYPES)
    print(f"  Successfully created package '{path}'.")


_RELS = '<?xml version="1.0" encoding="utf-8"?><Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships" />'
_CORE = '<?xml version="1.0" encoding="utf-8"?><coreProperties />'
_TYPES = '<?xml version="1.0" encoding="utf-8"?><Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types" />'


# -- push --------------------------------------------------------------------------------------
def push(paths: list[str], source: str, api_key: str | None, skip_duplicate: bool) -> None:
    listed, credentials = sources(Path.cwd())
    name = next((n for n, u in listed if source in (n, u) or u.lower() == source.lower()), None)
    url = dict(listed).get(source, source) if name is None else dict(listed)[name]
    if not url.startswith("http"):
        fail(f"error: The specified source '{source}' is invalid. Provide a valid source.")
    login = credential(name, credentials) if name is not None else None
    endpoint = service_index(url, login).get("PackagePublish/2.0.0")
    if endpoint is None:
        fail(f"error: The source {url} does not support pushing packages (no PackagePublish/2.0.0)")
    target = endpoint if endpoint.endswith("/") else endpoint + "/"
    if not api_key:
        print(
            f"warn : No API Key was provided and no API Key could be found for '{target}'. To"
            " save an API Key for a source use the 'setApiKey' command."
        )
    for path in paths:
        if path.endswith(".snupkg"):
            continue
        if not Path(path).is_file():
            fail(f"error: File does not exist ({path}).")
        _push_one(Path(path), target, api_key, login, skip_duplicate)


def _push_one(
    path: Path, target: str, api_key: str | None, login: tuple[str, str] | None, skip: bool
) -> None:
    print(f"Pushing {path.name} to '{target}'...")
    boundary = uuid.uuid4().hex
    body = (
        (
            f"--{boundary}\r\nContent-Type: application/octet-stream\r\nContent-Disposition:"
            f" form-data; name=package; filename=package.nupkg; filename*=utf-8''package.nupkg\r\n\r\n"
        ).encode()
        + path.read_bytes()
        + f"\r\n--{boundary}--\r\n".encode()
    )
    headers = {"Content-Type": f'multipart/form-data; boundary="{boundary}"'}
    if api_key:
        headers["X-NuGet-ApiKey"] = api_key
    status, answer = request("PUT", target, login, data=body, headers=headers)
    if status == 409 and skip:
        print(f"Package '{path}' already exists at feed '{target}'.")
        return
    if status not in (200, 201, 202):
        if status == 409:
            print("To skip already published packages, use the option --skip-duplicate")
        detail = answer.decode(errors="replace").strip()
        fail(
            "error: Response status code does not indicate success:"
            f" {status} ({_REASON_TEXT.get(status, '')}).{' ' + detail if detail else ''}"
        )
    print("Your package was pushed.")


# -- the command line --------------------------------------------------------------------------
def _options(args: list[str]) -> tuple[list[str], dict[str, str], set[str], dict[str, str]]:
    """(positionals, options with a value, flags, -p:NAME=VALUE properties)."""
    positional: list[str] = []
    valued: dict[str, str] = {}
    flags: set[str] = set()
    props: dict[str, str] = {}
    takes_value = {
        "--configuration": "c",
        "-c": "c",
        "--output": "o",
        "-o": "o",
        "--source": "s",
        "-s": "s",
        "--api-key": "k",
        "-k": "k",
    }
    items = iter(args)
    for arg in items:
        if re.match(r"^(-p:|--property:|/p:)", arg):
            name, _, value = arg.split(":", 1)[1].partition("=")
            props[name] = value
        elif arg in takes_value:
            valued[takes_value[arg]] = next(items)
        elif arg.startswith("-"):
            flags.add(arg)
        else:
            positional.append(arg)
    return positional, valued, flags, props


def main(argv: list[str]) -> None:
    if len(argv) < 2 or argv[0] != "--standin-log":
        fail("stand-in dotnet: run through its wrapper (--standin-log FILE)")
    with open(argv[1], "a") as log:
        record = {"argv": argv[2:], "cwd": os.getcwd(), "env": dict(os.environ)}
        log.write(json.dumps(record, sort_keys=True) + "\n")
    args = argv[2:]
    if args == ["--version"]:
        print("10.0.100 (stand-in)")
        return
    command, rest = (args[0], args[1:]) if args else ("", [])
    if command == "msbuild":
        wanted = [a.split(":", 1)[1] for a in rest if a.lower().startswith("-getproperty:")]
        positional, _, _, props = _options(
            [a for a in rest if not a.lower().startswith("-getproperty:")]
        )
        if len(wanted) != 1:
            fail(f"stand-in dotnet: msbuild {rest} is not implemented")
        print(
            properties(find_project(positional[0] if positional else None), props).get(
                wanted[0], ""
            )
        )
        return
    if command in {"restore", "test", "pack"}:
        positional, valued, _, props = _options(rest)
        project = find_project(positional[0] if positional else None)
        if command == "restore":
            restore(project)
        elif command == "test":
            test(project, props)
        else:
            output = Path(valued.get("o") or project.parent / "bin" / valued.get("c", "Debug"))
            pack(project, output, {"Configuration": valued.get("c", "Debug"), **props})
        return
    if command == "nuget" and rest[:1] == ["push"]:
        positional, valued, flags, _ = _options(rest[1:])
        if "s" not in valued:
            fail("error: Source parameter was not specified.")
        push(positional, valued["s"], valued.get("k"), "--skip-duplicate" in flags)
        return
    fail(f"stand-in dotnet: '{' '.join(args)}' is not implemented")


if __name__ == "__main__":
    main(sys.argv[1:])
