"""The parse cache by commit content and by blob id: a cached analysis or file gives exactly what
parsing gives (problems with their locations, the desired state), in memory and from disk; an
unchanged repository is one cache read; only changed files are parsed again; the repository's node
budget is charged for cached files; a damaged entry is a miss, never an error."""

from __future__ import annotations

import os
import pickle
import tempfile
from pathlib import Path, PurePosixPath

from fuzz_trees import trees
from hypothesis import HealthCheck, given, settings
from intent_cases import binding, snapshot

from reconciler.intent import ParseCache, analyse, check
from reconciler.intent.cache import COMMIT_SUFFIX, FORMAT, MAX_COMMIT_ENTRIES, PACK_SUFFIX, schema_version
from reconciler.intent.yamlread import MAX_NODES, MAX_REPOSITORY_NODES
from reconciler.model import Snapshot, blob_id

EXAMPLES = int(os.environ.get("FUZZ_EXAMPLES", "25"))


@settings(max_examples=EXAMPLES, deadline=None, database=None, suppress_health_check=[HealthCheck.too_slow])
@given(trees())
def test_a_cached_file_gives_what_parsing_it_gives(files: dict[str, bytes]) -> None:
    """Every level: the analysis whole (memory, disk) and the file entries alone (memory, disk): the
    same files with other source refusals are another analysis built from the same file entries."""
    snap = Snapshot("repo", "c0ffee", files=files)
    expected = analyse(snap)
    other, third = (Snapshot("repo", "c0ffee", files=files, problems=(f"bindings/x{n}.json: refused",))
                    for n in (1, 2))
    with tempfile.TemporaryDirectory() as tmp:
        cold = ParseCache(Path(tmp))
        assert analyse(snap, cold) == expected
        assert analyse(snap, cold) == expected and cold.analyses == 1  # the analysis, from memory
        assert analyse(other, cold) == analyse(other) and cold.analyses == 1  # the files, from memory
        warm = ParseCache(Path(tmp))
        assert analyse(snap, warm) == expected and warm.analyses == 1  # the analysis, from disk
        assert analyse(third, warm) == analyse(third) and warm.analyses == 1  # the files, from disk
        assert warm.parses <= cold.parses


def _entries(directory: Path, suffix: str = "") -> list[Path]:
    return [p for p in directory.rglob("*") if p.is_file() and p.name.endswith(suffix)]


def test_an_unchanged_repository_is_one_cache_read(tmp_path: Path) -> None:
    files = {f"bindings/p{i}.yaml": binding(f"p{i}-image", f"p{i}") for i in range(5)}
    expected = analyse(snapshot(files))
    analyse(snapshot(files), ParseCache(tmp_path))
    commits = _entries(tmp_path, COMMIT_SUFFIX)
    assert len(commits) == 1 and len(_entries(tmp_path)) == 2  # and one pack of the 6 files' results
    for entry in set(_entries(tmp_path)) - set(commits):
        entry.unlink()  # only the commit's entry is left to read
    cache = ParseCache(tmp_path)
    assert analyse(snapshot(files), cache) == expected
    assert (cache.analyses, cache.parses, cache.hits) == (1, 0, 6)
    moved = Snapshot("git@example.com:other", "b" * 40, files=snapshot(files).files)
    assert analyse(moved, cache)[1].repo == "git@example.com:other"  # the same content elsewhere
    assert analyse(moved, cache)[1].commit == "b" * 40


def test_a_damaged_or_foreign_commit_entry_is_a_miss(tmp_path: Path) -> None:
    files = {"bindings/a.yaml": binding()}
    expected = check(snapshot(files))
    check(snapshot(files), ParseCache(tmp_path))
    (entry,) = _entries(tmp_path, COMMIT_SUFFIX)
    for damaged in (b"", b"\x80\x05garbage", pickle.dumps((FORMAT, entry.name, (), PurePosixPath("x"))),
                    pickle.dumps((FORMAT, "another.commit", (), analyse(snapshot(files))[1]))):
        entry.write_bytes(damaged)
        cache = ParseCache(tmp_path)
        assert check(snapshot(files), cache) == expected
        assert (cache.analyses, cache.parses, cache.hits) == (0, 0, 2)  # from the file entries
    assert ParseCache(tmp_path).get_analysis(entry.name, 2) is not None  # written again


def test_the_newest_analyses_and_packs_are_kept(tmp_path: Path) -> None:
    cache = ParseCache(tmp_path)
    for stage in range(MAX_COMMIT_ENTRIES + 3):
        check(snapshot({"bindings/a.yaml": binding(extra=f"  stage: {stage}\n")}), cache)
    assert len(_entries(tmp_path, COMMIT_SUFFIX)) == len(_entries(tmp_path, PACK_SUFFIX)) == MAX_COMMIT_ENTRIES
    assert len(_entries(tmp_path)) == 2 * MAX_COMMIT_ENTRIES
    newest, oldest = ParseCache(tmp_path), ParseCache(tmp_path)
    assert check(snapshot({"bindings/a.yaml": binding(extra=f"  stage: {MAX_COMMIT_ENTRIES + 2}\n")}), newest) == []
    assert check(snapshot({"bindings/a.yaml": binding(extra="  stage: 0\n")}), oldest) == []
    assert (newest.parses, oldest.parses) == (0, 1)


def test_a_lookup_reads_older_packs_for_what_the_newest_lacks(tmp_path: Path) -> None:
    """A pull request's commit, then main's: a third commit mixing both finds every file on disk."""
    base = {f"bindings/p{i}.yaml": binding(f"p{i}-image", f"p{i}") for i in range(4)}
    first = {**base, "bindings/p0.yaml": binding("p0-image", "p0", extra="  stage: 1\n")}
    second = {**base, "bindings/p1.yaml": binding("p1-image", "p1", extra="  stage: 2\n")}
    for files in (first, second):
        check(snapshot(files), ParseCache(tmp_path))
    both = ParseCache(tmp_path)
    assert check(snapshot({**second, "bindings/p0.yaml": first["bindings/p0.yaml"]}), both) == []
    assert (both.parses, both.hits) == (0, 5)


def test_a_new_commit_parses_only_the_files_it_changed(tmp_path: Path) -> None:
    files = {f"bindings/p{i}.yaml": binding(f"p{i}-image", f"p{i}") for i in range(20)}
    cache = ParseCache(tmp_path)
    check(snapshot(files), cache)
    assert (cache.parses, cache.hits) == (21, 0)  # 20 bindings and the policy
    files["bindings/p7.yaml"] = binding("p7-image", "p7", extra="  stage: 1\n")
    assert check(snapshot(files), cache) == []
    assert (cache.parses, cache.hits) == (22, 20)
    one_shot = ParseCache(tmp_path)  # another process: the disk holds both versions of p7.yaml
    assert check(snapshot(files), one_shot) == [] and (one_shot.parses, one_shot.hits) == (0, 21)
    files["bindings/p3.yaml"] = binding("p3-image", "p3", extra="  stage: 2\n")
    assert check(snapshot(files), one_shot) == [] and (one_shot.parses, one_shot.hits) == (1, 41)


def test_problems_across_files_are_located_from_cached_documents(tmp_path: Path) -> None:
    first = {"bindings/a.yaml": binding("same", "worker")}
    check(snapshot(first), ParseCache(tmp_path))  # a.yaml now on disk
    both = {**first, "bindings/b.yaml": "# the same name again\n" + binding("same", "canary")}
    cache = ParseCache(tmp_path)
    assert check(snapshot(both), cache) == check(snapshot(both))
    assert cache.hits == 2 and cache.parses == 1
    assert any(p.startswith("bindings/b.yaml:5:9: duplicate binding name 'same'") for p in check(snapshot(both)))


def test_the_same_content_is_a_policy_or_a_binding_by_its_path(tmp_path: Path) -> None:
    text = binding()
    cache = ParseCache(tmp_path)
    assert check(snapshot({"bindings/a.yaml": text}), cache) == []
    misplaced = Snapshot("repo", "", files={"layering.yaml": text.encode()})
    assert check(misplaced, cache) == check(misplaced) != []


def test_cached_files_are_charged_to_the_repository_node_budget(tmp_path: Path) -> None:
    per_file = MAX_NODES - 100
    count = MAX_REPOSITORY_NODES // per_file + 2
    files = {f"bindings/f{i}.yaml": "a: [" + "1," * per_file + "]\n" for i in range(count)}
    expected = check(snapshot(files, policy=None))
    cache = ParseCache(tmp_path)
    assert check(snapshot(files, policy=None), cache) == expected
    assert check(snapshot(files, policy=None), ParseCache(tmp_path)) == expected
    for entry in _entries(tmp_path, COMMIT_SUFFIX):
        entry.unlink()  # from the file entries alone
    assert check(snapshot(files, policy=None), ParseCache(tmp_path)) == expected
    over = [p for p in expected if "YAML nodes in the repository" in p]
    assert over and len(over) < len(files)


def test_a_damaged_entry_is_a_miss(tmp_path: Path) -> None:
    files = {"bindings/a.yaml": binding()}
    check(snapshot(files), ParseCache(tmp_path))
    entries = _entries(tmp_path)
    assert len(entries) == 2  # the commit's, and the pack of the binding's and the policy's
    for number, entry in enumerate(entries):
        entry.write_bytes(b"\x80\x05garbage" if number else b"")
    cache = ParseCache(tmp_path)
    assert check(snapshot(files), cache) == [] and (cache.analyses, cache.parses, cache.hits) == (0, 2, 0)
    key = ParseCache.key(blob_id(binding().encode()), "bindings/a.yaml")
    assert ParseCache(tmp_path).get(key) is not None
    (pack,) = _entries(tmp_path, PACK_SUFFIX)
    for damaged in [("x",), (1, (), ((("node",), 1, 1),)), (1, (("line", 1, "m"),), ())]:
        pack.write_bytes(pickle.dumps((FORMAT, PACK_SUFFIX, {key: damaged})))
        assert ParseCache(tmp_path).get(key) is None  # one damaged result in a pack


def test_an_unwritable_directory_only_costs_the_cache(tmp_path: Path) -> None:
    """The cache directory cannot be created (a file is in its way: root cannot write there either)."""
    blocker = tmp_path / "parsed"
    blocker.write_text("not a directory")
    cache = ParseCache(blocker / "cache")
    assert check(snapshot({"bindings/a.yaml": binding()}), cache) == []
    assert check(snapshot({"bindings/a.yaml": binding()}), cache) == []
    assert blocker.read_text() == "not a directory"


def test_another_schema_version_is_removed(tmp_path: Path) -> None:
    stale = tmp_path / "0123456789abcdef"
    stale.mkdir()
    (stale / "entry").write_bytes(b"old")
    files = {f"bindings/p{i}.yaml": binding(f"p{i}-image", f"p{i}") for i in range(20)}
    check(snapshot(files), ParseCache(tmp_path))
    assert [p.name for p in tmp_path.iterdir()] == [schema_version()]


def test_a_policy_change_locates_problems_in_cached_bindings(tmp_path: Path) -> None:
    files = {"bindings/a.yaml": "# worker\n" + binding(extra="  window: nightly\n")}
    policy = ("apiVersion: layering.gitops.dev/v1alpha1\nkind: LayeringPolicy\nmetadata:\n  name: default\n"
              "spec:\n  registries: [registry.example.com/]\n")
    cache = ParseCache(tmp_path)
    check(snapshot(files), cache)
    expected = check(snapshot(files, policy))
    assert check(snapshot(files, policy), ParseCache(tmp_path)) == expected
    assert [p.split(": ")[0] for p in expected] == ["bindings/a.yaml:8:15", "bindings/a.yaml:9:11"]
