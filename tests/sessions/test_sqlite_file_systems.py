"""The SQLite store refuses a file on a network file system: WAL and its locks need every process on one host."""

from __future__ import annotations

import pytest

from flask_cognito_signin.sessions import file_systems
from flask_cognito_signin.sessions.file_systems import network_file_system
from flask_cognito_signin.sessions.sqlite import SQLiteStore
from flask_cognito_signin.settings import ConfigError

# The shape of /proc/self/mountinfo (proc(5)): id, parent, major:minor, root, mount point, options,
# optional fields, "-", file system type, source, super options.
ROOT = "22 1 8:1 / / rw,relatime shared:1 - ext4 /dev/sda1 rw"


def mount(mount_point: str, fs_type: str, n: int = 40) -> str:
    return f"{n} 22 0:{n} / {mount_point} rw,relatime shared:{n} - {fs_type} server:/export rw,vers=4.2"


@pytest.fixture
def mountinfo(tmp_path, monkeypatch):
    """Writes a fake mountinfo that the store reads instead of this machine's."""
    fake = tmp_path / "mountinfo"
    monkeypatch.setattr(file_systems, "MOUNTINFO", fake)

    def write(*lines: str) -> None:
        fake.write_text("\n".join((ROOT, *lines)) + "\n")

    return write


@pytest.mark.parametrize("fs_type", ["nfs", "nfs4", "cifs", "smb3", "fuse.sshfs", "glusterfs"])
def test_a_store_file_on_a_network_file_system_is_refused(tmp_path, mountinfo, fs_type):
    shared = tmp_path.resolve() / "shared"
    shared.mkdir()
    mountinfo(mount(str(shared), fs_type))
    with pytest.raises(ConfigError) as refused:
        SQLiteStore(shared / "instance" / "sessions.db")  # its folder does not exist yet: its parent is looked at
    message = str(refused.value)
    assert fs_type in message and "SESSION_STORE_URL" in message and "Redis" in message


def test_a_store_file_on_a_local_disk_is_accepted(tmp_path, mountinfo):
    mountinfo(mount(str(tmp_path.resolve()), "ext4"), mount("/srv/shared", "nfs4", 41))
    SQLiteStore(tmp_path / "sessions.db").put("session:a", {}, 60)


def test_the_mount_with_the_longest_matching_mount_point_decides(tmp_path, mountinfo):
    base = tmp_path.resolve()
    (base / "nfs" / "local").mkdir(parents=True)
    (base / "nfs-other").mkdir()
    mountinfo(mount(f"{base}/nfs/local", "xfs", 41), mount(f"{base}/nfs", "nfs4", 42))  # in any order
    assert network_file_system(base / "nfs" / "local" / "sessions.db") is None
    assert network_file_system(base / "nfs" / "sessions.db") == ("nfs4", f"{base}/nfs")
    assert network_file_system(base / "nfs-other" / "sessions.db") is None, "a mount point is a whole path component"


def test_a_later_mount_over_the_same_point_hides_the_earlier(tmp_path, mountinfo):
    base = str(tmp_path.resolve())
    mountinfo(mount(base, "tmpfs", 41), mount(base, "nfs4", 42))
    assert network_file_system(tmp_path / "sessions.db") == ("nfs4", base)


def test_mount_points_with_escaped_spaces_are_read(tmp_path, mountinfo):
    folder = tmp_path.resolve() / "my share"
    folder.mkdir()
    mountinfo(mount(str(folder).replace(" ", "\\040"), "cifs"))
    assert network_file_system(folder / "sessions.db") == ("cifs", str(folder))


def test_without_mountinfo_nothing_is_refused(tmp_path, monkeypatch):
    monkeypatch.setattr(file_systems, "MOUNTINFO", tmp_path / "no-such-file")
    assert network_file_system(tmp_path / "sessions.db") is None


def test_this_machines_own_mounts_are_read(tmp_path):
    """The real /proc/self/mountinfo parses, and a pytest tmp_path is on no network file system."""
    assert network_file_system(tmp_path / "sessions.db") is None
