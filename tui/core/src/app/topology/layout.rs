//! Where the topology picture's parts go for a given area: a column per tier (host ports, entry,
//! app replicas and workers, data stores), a band per zone above them, connectors in the gaps
//! (one bus per group of boxes with the same targets) and, below, a lane per edge that skips a
//! column. `None` when the picture does not fit: the panel shows the list instead.

use super::graph::{Graph, Tier, error_label, rate_label};
use ratatui_core::layout::Rect;
use std::collections::BTreeMap;

/// Every box is three rows: top border with the title, the status, bottom border.
pub const BOX_HEIGHT: u16 = 3;
/// Room inside a service box for its longest status word (`restarting`) and a space each side,
/// so a box keeps its width when its status changes.
const SERVICE_INNER: u16 = 12;
/// Narrowest gap between columns: a stub, a bus, a branch and its arrow, and a little room.
const MIN_GAP: u16 = 6;
/// Gaps below this use the short host labels (`:8080`), leaving room for the rate labels.
const WANTED_GAP: u16 = 10;
/// Wider gaps only spread the picture; it is centred instead.
const MAX_GAP: u16 = 18;

/// A zone's band: a labelled line over the columns of its members.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Band {
    pub zone: usize,
    pub x: u16,
    pub y: u16,
    pub width: u16,
}

/// One cell of a connector, its symbol already chosen.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Stroke {
    pub x: u16,
    pub y: u16,
    pub symbol: char,
    /// Part of an edge a violation names.
    pub alarm: bool,
}

/// Text beside an edge: the request rate above it, the error rate below.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct EdgeLabel {
    pub x: u16,
    pub y: u16,
    pub text: String,
    pub error: bool,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Layout {
    /// A rectangle per node, in the graph's order.
    pub boxes: Vec<Rect>,
    /// Whether host boxes show their short status.
    pub short: bool,
    pub bands: Vec<Band>,
    pub strokes: Vec<Stroke>,
    pub labels: Vec<EdgeLabel>,
    /// Edges (indexes into the graph's) that could not be drawn without crossing a box.
    pub undrawn: Vec<usize>,
    /// What is left below the picture, for the violations.
    pub notes: Rect,
}

/// The picture of `graph` in `area`, leaving at least `notes` rows below it; `None` when it
/// does not fit (or there is nothing to draw).
pub fn place(graph: &Graph, area: Rect, notes: u16) -> Option<Layout> {
    if graph.nodes.is_empty() {
        return None;
    }
    let columns = columns(graph);
    let column_of: BTreeMap<usize, usize> = columns
        .iter()
        .enumerate()
        .flat_map(|(c, nodes)| nodes.iter().map(move |&n| (n, c)))
        .collect();
    let (short, widths, gap) = [false, true].into_iter().find_map(|short| {
        let widths: Vec<u16> = columns
            .iter()
            .map(|nodes| {
                nodes
                    .iter()
                    .map(|&n| box_width(graph, n, short))
                    .max()
                    .unwrap_or(0)
            })
            .collect();
        let gap = gap_width(area.width, &widths)?;
        (short || gap >= WANTED_GAP || columns.len() == 1).then_some((short, widths, gap))
    })?;
    let gap = gap.max(MIN_GAP);
    let long: Vec<usize> = (0..graph.edges.len())
        .filter(|&e| {
            let edge = graph.edges[e];
            column_of[&edge.to] != column_of[&edge.from] + 1
        })
        .collect();
    let bands = u16::try_from(graph.zones.len()).ok()?;
    let lanes = u16::try_from(long.len()).ok()?;
    let top = area.y + bands + u16::from(bands > 0);
    let (spacing, tallest) = [1u16, 0].into_iter().find_map(|spacing| {
        let tallest = columns
            .iter()
            .map(|nodes| column_height(nodes.len(), spacing))
            .max()
            .unwrap_or(0);
        let below = if notes > 0 { notes + 1 } else { 0 };
        let used = (top - area.y) + tallest + lanes + below;
        (used <= area.height).then_some((spacing, tallest))
    })?;
    let used_width = widths.iter().sum::<u16>() + gap * (widths.len() as u16 - 1);
    let mut x = area.x + (area.width - used_width) / 2;
    let mut boxes = vec![Rect::default(); graph.nodes.len()];
    let mut lefts = Vec::new();
    for (nodes, width) in columns.iter().zip(&widths) {
        let height = column_height(nodes.len(), spacing);
        let mut y = top + (tallest - height) / 2;
        for &node in nodes {
            boxes[node] = Rect::new(x, y, *width, BOX_HEIGHT);
            y += BOX_HEIGHT + spacing;
        }
        lefts.push(x);
        x += width + gap;
    }
    let mut grid = Grid::default();
    let mut labels = Vec::new();
    for c in 0..columns.len().saturating_sub(1) {
        let gap_x = lefts[c] + widths[c];
        route_gap(graph, &boxes, &column_of, c, gap_x, &mut grid, &mut labels);
    }
    let mut undrawn = Vec::new();
    let mut lane = top + tallest;
    for e in long {
        if route_long(graph, &boxes, e, lane, &mut grid) {
            lane += 1;
        } else {
            undrawn.push(e);
        }
    }
    let band_list = (0..graph.zones.len())
        .filter_map(|zone| {
            let members: Vec<Rect> = graph
                .nodes
                .iter()
                .enumerate()
                .filter(|(_, node)| node.zones.contains(&zone))
                .map(|(n, _)| boxes[n])
                .collect();
            let left = members.iter().map(|r| r.x).min()?;
            let right = members.iter().map(|r| r.right()).max()?;
            Some(Band {
                zone,
                x: left,
                y: area.y + zone as u16,
                width: right - left,
            })
        })
        .collect();
    let notes_top = (lane + 1).min(area.bottom());
    Some(Layout {
        boxes,
        short,
        bands: band_list,
        strokes: grid.strokes(),
        labels,
        undrawn,
        notes: Rect::new(area.x, notes_top, area.width, area.bottom() - notes_top),
    })
}

/// Node indexes per present tier, top to bottom; a node with an edge that skips a column goes
/// last in its column, so its lane drops below the picture without crossing a box.
fn columns(graph: &Graph) -> Vec<Vec<usize>> {
    let mut by_tier: BTreeMap<Tier, Vec<usize>> = BTreeMap::new();
    for (n, node) in graph.nodes.iter().enumerate() {
        by_tier.entry(node.tier).or_default().push(n);
    }
    let tiers: Vec<Tier> = by_tier.keys().copied().collect();
    let column = |tier: Tier| tiers.iter().position(|t| *t == tier).unwrap_or(0);
    let skips = |n: usize| {
        graph.edges.iter().any(|e| {
            (e.from == n || e.to == n)
                && column(graph.nodes[e.to].tier) != column(graph.nodes[e.from].tier) + 1
        })
    };
    by_tier
        .into_values()
        .map(|mut nodes| {
            nodes.sort_by_key(|&n| skips(n));
            nodes
        })
        .collect()
}

fn box_width(graph: &Graph, node: usize, short: bool) -> u16 {
    let node = &graph.nodes[node];
    let status = match (&node.short_status, short) {
        (Some(short), true) => short,
        _ => &node.status,
    };
    let inner = node.title.chars().count().max(status.chars().count()) + 2;
    let floor = if node.tier == Tier::Host {
        0
    } else {
        SERVICE_INNER
    };
    u16::try_from(inner).unwrap_or(u16::MAX).max(floor) + 2
}

/// The gap between columns that `width` allows, at most [`MAX_GAP`]; `None` below [`MIN_GAP`].
fn gap_width(width: u16, widths: &[u16]) -> Option<u16> {
    let boxes: u16 = widths.iter().sum();
    let gaps = widths.len() as u16 - 1;
    let spare = width.checked_sub(boxes)?;
    if gaps == 0 {
        return Some(0);
    }
    let gap = (spare / gaps).min(MAX_GAP);
    (gap >= MIN_GAP).then_some(gap)
}

fn column_height(boxes: usize, spacing: u16) -> u16 {
    let boxes = boxes as u16;
    boxes * BOX_HEIGHT + boxes.saturating_sub(1) * spacing
}

/// The row through a box's middle, where its connectors meet it.
fn middle(rect: Rect) -> u16 {
    rect.y + BOX_HEIGHT / 2
}

/// Connectors between column `c` and the next: sources with the same targets share one bus
/// (nginx to every app replica is one fork), each bus one column further right; a branch with
/// an arrow into each target, and the target's traffic beside its branch.
fn route_gap(
    graph: &Graph,
    boxes: &[Rect],
    column_of: &BTreeMap<usize, usize>,
    c: usize,
    gap_x: u16,
    grid: &mut Grid,
    labels: &mut Vec<EdgeLabel>,
) {
    let mut targets_of: BTreeMap<usize, Vec<(usize, bool)>> = BTreeMap::new();
    for edge in &graph.edges {
        if column_of[&edge.from] == c && column_of[&edge.to] == c + 1 {
            targets_of
                .entry(edge.from)
                .or_default()
                .push((edge.to, edge.violation));
        }
    }
    let mut buses: Vec<(Vec<usize>, Vec<usize>, bool)> = Vec::new();
    for (source, targets) in targets_of {
        let alarm = targets.iter().any(|(_, violation)| *violation);
        let targets: Vec<usize> = targets.into_iter().map(|(t, _)| t).collect();
        match buses
            .iter_mut()
            .find(|(_, t, a)| *t == targets && *a == alarm)
        {
            Some((sources, _, _)) => sources.push(source),
            None => buses.push((vec![source], targets, alarm)),
        }
    }
    let last_bus = gap_x + buses.len() as u16;
    let mut labelled = Vec::new();
    for (k, (sources, targets, alarm)) in buses.iter().enumerate() {
        grid.next_net();
        let bus = gap_x + 1 + k as u16;
        let rows: Vec<u16> = sources
            .iter()
            .chain(targets)
            .map(|&n| middle(boxes[n]))
            .collect();
        let (low, high) = (
            rows.iter().copied().min().unwrap_or(0),
            rows.iter().copied().max().unwrap_or(0),
        );
        grid.vertical(bus, low, high, *alarm);
        for &source in sources {
            grid.horizontal(gap_x, bus, middle(boxes[source]), *alarm);
            grid.stub_left(gap_x, middle(boxes[source]));
        }
        for &target in targets {
            let arrow_x = boxes[target].x - 1;
            grid.horizontal(bus, arrow_x, middle(boxes[target]), *alarm);
            grid.arrow(arrow_x, middle(boxes[target]), '▶');
            if !labelled.contains(&target) {
                labelled.push(target);
            }
        }
    }
    for target in labelled {
        let Some(traffic) = graph.nodes[target].traffic else {
            continue;
        };
        let rect = boxes[target];
        let room = usize::from(rect.x.saturating_sub(last_bus + 1));
        // Right-aligned against the box, a space apart where there is room; an error label
        // too long for the gap keeps its figure (`25%`).
        let mut put = |y: u16, text: String, error: bool| {
            let shorter = text.strip_prefix("5xx ").map(str::to_string);
            let Some(text) = [Some(text), shorter]
                .into_iter()
                .flatten()
                .find(|text| text.chars().count() <= room)
            else {
                return;
            };
            let width = text.chars().count();
            let space = usize::from(width < room);
            labels.push(EdgeLabel {
                x: rect.x - (width + space) as u16,
                y,
                text,
                error,
            });
        };
        put(rect.y, rate_label(&traffic), false);
        if let Some(errors) = error_label(&traffic) {
            put(rect.bottom() - 1, errors, true);
        }
    }
}

/// An edge that skips a column (a data store's published port, say): down from the source's
/// bottom, along `lane` under the picture, up into the target's bottom. `false` when a box
/// stands in the way (neither end is the last in its column).
fn route_long(graph: &Graph, boxes: &[Rect], e: usize, lane: u16, grid: &mut Grid) -> bool {
    let edge = graph.edges[e];
    let (from, to) = (boxes[edge.from], boxes[edge.to]);
    let (from_x, to_x) = (from.x + from.width / 2, to.x + to.width / 2);
    let blocked = |x: u16, below: u16| {
        boxes
            .iter()
            .any(|b| b.y >= below && b.y < lane && b.x <= x && x < b.right())
    };
    if from_x == to_x || blocked(from_x, from.bottom()) || blocked(to_x, to.bottom()) {
        return false;
    }
    grid.next_net();
    grid.vertical(from_x, from.bottom(), lane, edge.violation);
    grid.stub_up(from_x, from.bottom());
    grid.horizontal(from_x.min(to_x), from_x.max(to_x), lane, edge.violation);
    grid.vertical(to_x, to.bottom(), lane, edge.violation);
    grid.arrow(to_x, to.bottom(), '▲');
    true
}

const UP: u8 = 1;
const DOWN: u8 = 2;
const LEFT: u8 = 4;
const RIGHT: u8 = 8;

#[derive(Debug, Clone, Default)]
struct Cell {
    /// The ways each connector (by its id) goes from here.
    nets: Vec<(usize, u8)>,
    alarm: bool,
    arrow: Option<char>,
}

impl Cell {
    /// Where two connectors only cross (one straight across, the other straight down) the
    /// downward one is drawn whole, so the crossing does not read as a junction; where they
    /// meet (a shared target's branch) their ways join.
    fn symbol(&self) -> char {
        if let Some(arrow) = self.arrow {
            return arrow;
        }
        let straight = |ways: u8| ways == UP | DOWN || ways == LEFT | RIGHT;
        if self.nets.len() > 1 && self.nets.iter().all(|(_, ways)| straight(*ways)) {
            let down = self.nets.iter().any(|(_, ways)| *ways == UP | DOWN);
            let across = self.nets.iter().any(|(_, ways)| *ways == LEFT | RIGHT);
            if down && across {
                return '│';
            }
        }
        symbol(self.nets.iter().fold(0, |all, (_, ways)| all | ways))
    }
}

/// Connector cells by position: each remembers which ways each line through it goes, so where
/// lines meet the right junction (`├`, `┬`, `┼`…) is drawn, and where they cross, no junction.
#[derive(Debug, Default)]
struct Grid {
    cells: BTreeMap<(u16, u16), Cell>,
    /// The connector being drawn.
    net: usize,
}

impl Grid {
    /// Starts the next connector: lines drawn from here on belong to it.
    fn next_net(&mut self) {
        self.net += 1;
    }

    fn add(&mut self, x: u16, y: u16, ways: u8, alarm: bool) {
        let net = self.net;
        let cell = self.cells.entry((y, x)).or_default();
        match cell.nets.iter_mut().find(|(id, _)| *id == net) {
            Some((_, existing)) => *existing |= ways,
            None => cell.nets.push((net, ways)),
        }
        cell.alarm |= alarm;
    }

    fn horizontal(&mut self, from: u16, to: u16, y: u16, alarm: bool) {
        for x in from..=to {
            let mut ways = 0;
            if x > from {
                ways |= LEFT;
            }
            if x < to {
                ways |= RIGHT;
            }
            self.add(x, y, ways, alarm);
        }
    }

    fn vertical(&mut self, x: u16, from: u16, to: u16, alarm: bool) {
        for y in from..=to {
            let mut ways = 0;
            if y > from {
                ways |= UP;
            }
            if y < to {
                ways |= DOWN;
            }
            self.add(x, y, ways, alarm);
        }
    }

    /// The first cell out of a box's right side also reaches into the box.
    fn stub_left(&mut self, x: u16, y: u16) {
        self.add(x, y, LEFT, false);
    }

    /// The first cell under a box also reaches up into it.
    fn stub_up(&mut self, x: u16, y: u16) {
        self.add(x, y, UP, false);
    }

    fn arrow(&mut self, x: u16, y: u16, arrow: char) {
        self.cells.entry((y, x)).or_default().arrow = Some(arrow);
    }

    fn strokes(&self) -> Vec<Stroke> {
        self.cells
            .iter()
            .filter(|(_, cell)| cell.arrow.is_some() || cell.nets.iter().any(|(_, w)| *w != 0))
            .map(|(&(y, x), cell)| Stroke {
                x,
                y,
                symbol: cell.symbol(),
                alarm: cell.alarm,
            })
            .collect()
    }
}

fn symbol(ways: u8) -> char {
    match ways {
        w if w == UP | DOWN | LEFT | RIGHT => '┼',
        w if w == UP | DOWN | RIGHT => '├',
        w if w == UP | DOWN | LEFT => '┤',
        w if w == LEFT | RIGHT | DOWN => '┬',
        w if w == LEFT | RIGHT | UP => '┴',
        w if w == DOWN | RIGHT => '┌',
        w if w == DOWN | LEFT => '┐',
        w if w == UP | RIGHT => '└',
        w if w == UP | LEFT => '┘',
        w if w & (UP | DOWN) != 0 => '│',
        _ => '─',
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::app::topology::graph::{Edge, Node, Tone, Zone, ZoneKind};
    use crate::metrics::Rates;

    fn node(tier: Tier, title: &str, zones: &[usize]) -> Node {
        Node {
            service: title.split(' ').next().unwrap_or(title).to_string(),
            title: title.to_string(),
            status: if tier == Tier::Host {
                "127.0.0.1:8080".into()
            } else {
                "healthy".into()
            },
            short_status: (tier == Tier::Host).then(|| ":8080".into()),
            tone: Tone::Good,
            tier,
            container: None,
            zones: zones.to_vec(),
            violation: false,
            traffic: None,
        }
    }

    fn edge(from: usize, to: usize) -> Edge {
        Edge {
            from,
            to,
            violation: false,
        }
    }

    /// host(0), frontend(1), backend(2); a port, nginx, `replicas` app boxes, redis, postgres.
    fn stack(replicas: usize) -> Graph {
        let zone = |name: &str, kind| Zone {
            name: name.into(),
            kind,
            violation: false,
        };
        let mut nodes = vec![
            node(Tier::Host, "host", &[0]),
            node(Tier::Entry, "nginx", &[1]),
        ];
        for r in 1..=replicas {
            nodes.push(node(Tier::Middle, &format!("app {r}"), &[1, 2]));
        }
        nodes.push(node(Tier::Data, "postgres", &[2]));
        nodes.push(node(Tier::Data, "redis", &[2]));
        let apps = 2..2 + replicas;
        let mut edges = vec![edge(0, 1)];
        edges.extend(apps.clone().map(|a| edge(1, a)));
        for a in apps {
            edges.push(edge(a, 2 + replicas));
            edges.push(edge(a, 3 + replicas));
        }
        Graph {
            nodes,
            edges,
            zones: vec![
                zone("host", ZoneKind::Host),
                zone("frontend", ZoneKind::Public),
                zone("backend", ZoneKind::Internal),
            ],
            violations: Vec::new(),
        }
    }

    /// The panel's inside at 80×24: the screen less header, tabs, footer and the panel border.
    const AT_80X24: Rect = Rect::new(1, 3, 78, 19);

    fn stroke_at(layout: &Layout, x: u16, y: u16) -> Option<char> {
        layout
            .strokes
            .iter()
            .find(|s| s.x == x && s.y == y)
            .map(|s| s.symbol)
    }

    /// The layout as text, boxes as outlines with their titles: for reading a failure.
    fn sketch(graph: &Graph, layout: &Layout, area: Rect) -> String {
        let mut rows = vec![vec![' '; usize::from(area.right())]; usize::from(area.bottom())];
        let mut put = |x: u16, y: u16, c: char| rows[usize::from(y)][usize::from(x)] = c;
        for (node, b) in graph.nodes.iter().zip(&layout.boxes) {
            for x in b.x..b.right() {
                put(x, b.y, '-');
                put(x, b.bottom() - 1, '-');
            }
            for y in b.y..b.bottom() {
                put(b.x, y, '|');
                put(b.right() - 1, y, '|');
            }
            for (i, c) in node.title.chars().enumerate() {
                put(b.x + 1 + i as u16, b.y + 1, c);
            }
        }
        for band in &layout.bands {
            for x in band.x..band.x + band.width {
                put(x, band.y, '=');
            }
        }
        for stroke in &layout.strokes {
            put(stroke.x, stroke.y, stroke.symbol);
        }
        rows.iter()
            .map(|row| row.iter().collect::<String>().trim_end().to_string())
            .collect::<Vec<_>>()
            .join("\n")
    }

    fn assert_sound(layout: &Layout, area: Rect) {
        for (i, a) in layout.boxes.iter().enumerate() {
            assert!(
                area.contains(a.as_position()) && a.right() <= area.right(),
                "{a:?}"
            );
            assert!(a.bottom() <= area.bottom(), "{a:?} below {area:?}");
            for b in &layout.boxes[i + 1..] {
                assert!(!a.intersects(*b), "{a:?} overlaps {b:?}");
            }
            for stroke in &layout.strokes {
                let inside = a.contains((stroke.x, stroke.y).into());
                assert!(!inside, "stroke {stroke:?} inside box {a:?}");
            }
        }
        for band in &layout.bands {
            assert!(band.x + band.width <= area.right() && band.y < layout.boxes[0].y);
        }
        assert!(layout.notes.bottom() <= area.bottom());
    }

    #[test]
    fn the_dev_stack_reads_left_to_right_at_80x24() {
        let graph = stack(2);
        let layout = place(&graph, AT_80X24, 0).expect("fits at 80×24");
        assert_sound(&layout, AT_80X24);
        let x = |n: usize| layout.boxes[n].x;
        assert!(
            x(0) < x(1) && x(1) < x(2) && x(2) < x(4),
            "host, nginx, app, data"
        );
        assert_eq!(x(2), x(3), "replicas share a column");
        assert_eq!(x(4), x(5), "data stores share a column");
        // Every edge ends in an arrow beside its target's middle row.
        for e in &graph.edges {
            let target = layout.boxes[e.to];
            assert_eq!(stroke_at(&layout, target.x - 1, target.y + 1), Some('▶'));
        }
        // nginx forks to both replicas through one bus.
        let nginx = layout.boxes[1];
        let bus = nginx.right() + 1;
        let fork: Vec<char> = (layout.boxes[2].y + 1..=layout.boxes[3].y + 1)
            .filter_map(|y| stroke_at(&layout, bus, y))
            .collect();
        assert_eq!(fork.first(), Some(&'┌'));
        assert_eq!(fork.last(), Some(&'└'));
        assert!(fork.contains(&'┤'), "nginx joins the bus: {fork:?}");
        // Bands span their members: frontend from nginx to the apps, backend from the apps on.
        let band = |zone: usize| layout.bands.iter().find(|b| b.zone == zone).copied();
        let frontend = band(1).expect("frontend band");
        assert_eq!(frontend.x, nginx.x);
        assert_eq!(frontend.x + frontend.width, layout.boxes[2].right());
        let backend = band(2).expect("backend band");
        assert_eq!(backend.x, layout.boxes[2].x);
        assert_eq!(backend.x + backend.width, layout.boxes[4].right());
        assert!(layout.short, "80 columns take the short host label");
        assert!(layout.undrawn.is_empty());
    }

    #[test]
    fn prod_with_three_replicas_fits_at_80x24_and_wide_screens_take_the_full_port() {
        let graph = stack(3);
        let layout = place(&graph, AT_80X24, 1).expect("fits at 80×24");
        assert_sound(&layout, AT_80X24);
        assert!(layout.notes.height >= 1);
        let wide = Rect::new(1, 3, 158, 43);
        let layout = place(&graph, wide, 1).expect("fits at 160×48");
        assert_sound(&layout, wide);
        assert!(!layout.short);
        assert_eq!(layout.boxes[0].width, "127.0.0.1:8080".len() as u16 + 4);
    }

    #[test]
    fn too_small_an_area_has_no_picture() {
        let graph = stack(2);
        assert_eq!(place(&graph, Rect::new(0, 0, 50, 19), 0), None, "narrow");
        assert_eq!(place(&graph, Rect::new(0, 0, 78, 8), 0), None, "short");
        assert_eq!(place(&graph, Rect::new(0, 0, 0, 0), 0), None);
        assert_eq!(
            place(&Graph::default(), AT_80X24, 0),
            None,
            "nothing to draw"
        );
        // Prod's three replicas need 69×13 inside the panel: a 71×18 terminal.
        let prod = stack(3);
        assert!(place(&prod, Rect::new(0, 0, 69, 13), 0).is_some());
        assert_eq!(place(&prod, Rect::new(0, 0, 68, 13), 0), None);
        assert_eq!(place(&prod, Rect::new(0, 0, 69, 12), 0), None);
        // The notes asked for need their rows too.
        let fits = place(&graph, Rect::new(0, 0, 78, 11), 0);
        assert!(fits.is_some());
        assert_eq!(place(&graph, Rect::new(0, 0, 78, 11), 3), None);
    }

    #[test]
    fn traffic_sits_beside_the_edge_into_its_box_and_only_where_known() {
        let mut graph = stack(2);
        graph.nodes[2].traffic = Some(Rates {
            requests: 12.0,
            client_errors: 1.0,
            server_errors: 3.0,
        });
        let layout = place(&graph, AT_80X24, 0).expect("fits");
        let app = layout.boxes[2];
        let texts: Vec<(&str, u16, u16, bool)> = layout
            .labels
            .iter()
            .map(|l| (l.text.as_str(), l.x, l.y, l.error))
            .collect();
        assert_eq!(
            texts,
            vec![
                ("12/s", app.x - 5, app.y, false),
                ("5xx 25%", app.x - 7, app.bottom() - 1, true)
            ]
        );
        // In the narrowest gap the error keeps its figure.
        let narrow = place(&graph, Rect::new(0, 0, 69, 19), 0).expect("fits");
        let texts: Vec<&str> = narrow.labels.iter().map(|l| l.text.as_str()).collect();
        assert_eq!(texts, ["12/s", "25%"]);
    }

    #[test]
    fn a_worker_with_other_targets_gets_its_own_bus() {
        let mut graph = stack(2);
        // 0 host, 1 nginx, 2-3 app, 4 worker, 5 postgres, 6 redis; the worker uses Postgres only.
        graph.nodes.insert(4, node(Tier::Middle, "worker", &[2]));
        graph.edges = vec![
            edge(0, 1),
            edge(1, 2),
            edge(1, 3),
            edge(2, 5),
            edge(2, 6),
            edge(3, 5),
            edge(3, 6),
            edge(4, 5),
        ];
        let layout = place(&graph, AT_80X24, 0).expect("fits");
        assert_sound(&layout, AT_80X24);
        let picture = sketch(&graph, &layout, AT_80X24);
        let gap = layout.boxes[2].right();
        let vertical = |x: u16| {
            layout
                .strokes
                .iter()
                .filter(|s| s.x == x && matches!(s.symbol, '│' | '├' | '┤' | '┼'))
                .count()
        };
        assert!(vertical(gap + 1) > 0, "the apps' bus\n{picture}");
        assert!(vertical(gap + 2) > 0, "the worker's bus\n{picture}");
        let worker = layout.boxes[4];
        assert_eq!(stroke_at(&layout, gap, worker.y + 1), Some('─'));
        assert_eq!(
            stroke_at(&layout, gap + 1, worker.y + 1),
            Some('─'),
            "{picture}"
        );
        // It crosses the apps' branch into Redis without joining it.
        let redis = layout.boxes[6];
        assert_eq!(
            stroke_at(&layout, gap + 2, redis.y + 1),
            Some('│'),
            "{picture}"
        );
    }

    #[test]
    fn an_edge_that_skips_columns_runs_below_the_picture_in_red() {
        let mut graph = stack(1);
        // redis (4) publishes a port: a second host box pointing at it.
        graph.nodes.push(node(Tier::Host, "host", &[0]));
        graph.nodes[5].violation = true;
        graph.edges.push(Edge {
            from: 5,
            to: 4,
            violation: true,
        });
        let layout = place(&graph, AT_80X24, 1).expect("fits");
        assert_sound(&layout, AT_80X24);
        let redis = layout.boxes[4];
        let port = layout.boxes[5];
        assert!(port.y > layout.boxes[0].y, "the skipping box goes last");
        assert_eq!(
            stroke_at(&layout, redis.x + redis.width / 2, redis.bottom()),
            Some('▲')
        );
        let lane = layout
            .strokes
            .iter()
            .filter(|s| s.alarm)
            .map(|s| s.y)
            .max()
            .expect("red strokes");
        assert!(lane >= layout.boxes.iter().map(|b| b.bottom()).max().unwrap_or(0));
        assert!(layout.notes.y > lane);
    }

    #[test]
    fn junctions_follow_the_lines_that_meet() {
        assert_eq!(symbol(UP | DOWN | LEFT | RIGHT), '┼');
        assert_eq!(symbol(UP | DOWN | LEFT), '┤');
        assert_eq!(symbol(DOWN | RIGHT), '┌');
        assert_eq!(symbol(UP | RIGHT), '└');
        assert_eq!(symbol(LEFT | RIGHT), '─');
        assert_eq!(symbol(UP), '│');
    }
}
