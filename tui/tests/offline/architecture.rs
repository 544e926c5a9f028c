//! The layering the compiler cannot see inside one crate: stack-tui's top-level folders import
//! each other without a cycle, and none of the dashboard's logic reaches for the screen or the
//! Docker client (stack-core cannot: it depends on neither).

use std::collections::{BTreeMap, BTreeSet};
use std::fs;
use std::path::{Path, PathBuf};

/// Each top-level module of `tui/src` and the other top-level modules it names as `crate::…`.
fn folder_imports(src: &Path) -> BTreeMap<String, BTreeSet<String>> {
    let mut graph: BTreeMap<String, BTreeSet<String>> = BTreeMap::new();
    for file in rust_files(src) {
        let relative = file.strip_prefix(src).expect("under src");
        let top = relative
            .components()
            .next()
            .and_then(|c| c.as_os_str().to_str())
            .expect("a name")
            .trim_end_matches(".rs")
            .to_string();
        let text = fs::read_to_string(&file).expect("readable source");
        let named = graph.entry(top.clone()).or_default();
        for (at, _) in text.match_indices("crate::") {
            let module: String = text[at + "crate::".len()..]
                .chars()
                .take_while(|c| c.is_ascii_alphanumeric() || *c == '_')
                .collect();
            if !module.is_empty() && module != top {
                named.insert(module);
            }
        }
    }
    graph
}

fn rust_files(dir: &Path) -> Vec<PathBuf> {
    let mut files = Vec::new();
    for entry in fs::read_dir(dir).expect("readable folder") {
        let path = entry.expect("folder entry").path();
        if path.is_dir() {
            files.extend(rust_files(&path));
        } else if path.extension().is_some_and(|e| e == "rs") {
            files.push(path);
        }
    }
    files
}

/// A cycle in the graph, as the path that closes it, if there is one.
fn find_cycle(graph: &BTreeMap<String, BTreeSet<String>>) -> Option<Vec<String>> {
    fn visit(
        node: &str,
        graph: &BTreeMap<String, BTreeSet<String>>,
        path: &mut Vec<String>,
        done: &mut BTreeSet<String>,
    ) -> Option<Vec<String>> {
        if let Some(start) = path.iter().position(|n| n == node) {
            let mut cycle = path[start..].to_vec();
            cycle.push(node.to_string());
            return Some(cycle);
        }
        if !done.insert(node.to_string()) {
            return None;
        }
        path.push(node.to_string());
        for next in graph.get(node).into_iter().flatten() {
            if let Some(cycle) = visit(next, graph, path, done) {
                return Some(cycle);
            }
        }
        path.pop();
        None
    }
    let mut done = BTreeSet::new();
    graph
        .keys()
        .find_map(|node| visit(node, graph, &mut Vec::new(), &mut done))
}

#[test]
fn the_folders_of_stack_tui_import_each_other_without_a_cycle() {
    let src = Path::new(env!("CARGO_MANIFEST_DIR")).join("src");
    let graph = folder_imports(&src);
    assert!(graph.contains_key("runtime") && graph.contains_key("commands"));
    assert_eq!(find_cycle(&graph), None, "folder imports: {graph:#?}");
    // The order the crate is layered in: nothing below reaches up.
    for (lower, upper) in [
        ("runtime", "commands"),
        ("ui", "runtime"),
        ("docker", "runtime"),
        ("compose", "runtime"),
        ("reload", "runtime"),
    ] {
        assert!(
            !graph[lower].contains(upper),
            "{lower} imports {upper}: {graph:#?}"
        );
    }
}

#[test]
fn a_cycle_is_found_when_there_is_one() {
    let graph: BTreeMap<String, BTreeSet<String>> = [
        ("a", &["b"][..]),
        ("b", &["c"][..]),
        ("c", &["a"][..]),
        ("d", &[][..]),
    ]
    .into_iter()
    .map(|(k, v)| (k.to_string(), v.iter().map(|s| s.to_string()).collect()))
    .collect();
    assert_eq!(
        find_cycle(&graph),
        Some(vec!["a".into(), "b".into(), "c".into(), "a".into()])
    );
}

#[test]
fn the_core_names_neither_the_screen_nor_the_docker_client() {
    let core = Path::new(env!("CARGO_MANIFEST_DIR")).join("core/src");
    for file in rust_files(&core) {
        let source = fs::read_to_string(&file).expect("readable source");
        // Code only: the docs may say what the core is free of.
        let text: String = source
            .lines()
            .filter(|line| !line.trim_start().starts_with("//"))
            .collect::<Vec<_>>()
            .join("\n");
        for banned in [
            "crate::ui",
            "crate::docker",
            "stack_tui",
            "bollard",
            "tokio",
            "std::process::Command",
        ] {
            assert!(!text.contains(banned), "{} names {banned}", file.display());
        }
    }
}
