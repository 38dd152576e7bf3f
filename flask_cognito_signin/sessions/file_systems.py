"""Which file system holds a path, to keep the SQLite store off network file systems.

SQLite's WAL mode needs every process on one host ("WAL does not work over a network
filesystem", sqlite.org/wal.html), its locks are unreliable over NFS and SMB, and the
store's change markers are a memory map that other hosts never see. Sessions shared by
several hosts belong in Redis.

Detected from /proc/self/mountinfo: Python has no statfs() that names the file system, and
mountinfo lists, for this process's own mount namespace (a container sees its own mounts),
each mount point with its file system type, bind mounts included. The mount holding a path is
the last-mounted one whose mount point is the path's longest prefix. Where the file does not
exist (macOS, BSD), nothing is checked.
"""

from __future__ import annotations

import re
from pathlib import Path

MOUNTINFO = Path("/proc/self/mountinfo")

#: File system types whose files other hosts share (mountinfo's names; FUSE ones as fuse.<name>).
NETWORK_FILE_SYSTEMS = frozenset({
    "nfs", "nfs4", "cifs", "smb3", "smbfs", "ncpfs", "afs", "coda",
    "ceph", "glusterfs", "lustre", "gpfs", "ocfs2", "gfs2", "beegfs",
    "fuse.sshfs", "fuse.glusterfs", "fuse.cephfs", "fuse.s3fs", "fuse.gcsfuse", "fuse.rclone", "fuse.davfs",
})


def network_file_system(path: Path, mountinfo: Path | None = None) -> tuple[str, str] | None:
    """(file system type, mount point) when `path` (or, if it does not exist yet, the folder it will be
    made in) is on a network file system; None otherwise or when mounts cannot be read."""
    try:
        lines = (mountinfo or MOUNTINFO).read_text().splitlines()
    except OSError:
        return None
    target = _existing(path.absolute())
    best: tuple[str, str] | None = None
    for line in lines:
        fields, _, rest = line.partition(" - ")
        parts, after = fields.split(), rest.split()
        if len(parts) < 5 or not after:
            continue
        mount_point = _unescape(parts[4])
        if _contains(mount_point, target) and (best is None or len(mount_point) >= len(best[1])):
            best = (after[0], mount_point)
    return best if best is not None and best[0] in NETWORK_FILE_SYSTEMS else None


def _existing(path: Path) -> str:
    """The path with symlinks resolved, from its nearest existing folder up."""
    while not path.exists() and path.parent != path:
        path = path.parent
    return str(path.resolve())


def _contains(mount_point: str, path: str) -> bool:
    return mount_point == "/" or path == mount_point or path.startswith(mount_point.rstrip("/") + "/")


def _unescape(field: str) -> str:
    """mountinfo writes space, tab, newline and backslash in octal (\\040, \\011, \\012, \\134)."""
    return re.sub(r"\\([0-7]{3})", lambda match: chr(int(match.group(1), 8)), field)
