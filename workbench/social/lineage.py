"""Remix trees laid out and drawn: each clip at (depth, row), parents centred over their remixes."""
from __future__ import annotations


def tree_layout(nodes: list[tuple[int, int | None]]) -> dict[int, tuple[float, float]]:
    """Positions for (id, parent id) pairs: x is the remix depth, y a row; leaves take successive
    rows in depth-first order and a parent sits at the mean row of its children (a "tidy" layout in
    the spirit of Reingold & Tilford, 1981, without their subtree compaction). A node whose parent
    is not among the nodes (hidden from the viewer) is drawn as a root."""
    ids = {node for node, _ in nodes}
    children: dict[int | None, list[int]] = {}
    for node, parent in nodes:
        children.setdefault(parent if parent in ids else None, []).append(node)
    positions: dict[int, tuple[float, float]] = {}
    next_row = [0.0]

    def place(node: int, depth: int) -> float:
        kids = sorted(children.get(node, []))
        if not kids:
            row = next_row[0]
            next_row[0] += 1
        else:
            rows = [place(kid, depth + 1) for kid in kids]
            row = sum(rows) / len(rows)
        positions[node] = (float(depth), row)
        return row

    for root in sorted(children.get(None, [])):
        place(root, 0)
    return positions


def lineage_figure(tree, highlight: int | None = None):
    """A plotly figure of a remix tree (VideoViews from VideoService.remix_tree): one marker per clip
    labelled "#id @author", hover for its caption, a line from each clip to its parent; the
    `highlight` clip is drawn larger, in another colour."""
    import plotly.graph_objects as go

    layout = tree_layout([(v.id, v.remix_parent_id) for v in tree])
    by_id = {v.id: v for v in tree}
    figure = go.Figure()
    for v in tree:
        if v.remix_parent_id in layout:
            (x0, y0), (x1, y1) = layout[v.remix_parent_id], layout[v.id]
            figure.add_trace(go.Scatter(x=[x0, x1], y=[y0, y1], mode="lines", hoverinfo="skip",
                                        line={"color": "#bbb"}, showlegend=False))
    figure.add_trace(go.Scatter(
        x=[layout[i][0] for i in by_id], y=[layout[i][1] for i in by_id], mode="markers+text",
        text=[f"#{i} @{by_id[i].author}" for i in by_id], textposition="top center",
        hovertext=[by_id[i].caption for i in by_id], hoverinfo="text", showlegend=False, name="clips",
        marker={"size": [18 if i == highlight else 11 for i in by_id],
                "color": ["#e4572e" if i == highlight else "#4c78a8" for i in by_id]}))
    rows = max((y for _, y in layout.values()), default=0)
    figure.update_layout(height=160 + 40 * rows, margin={"t": 20, "b": 20},
                         xaxis={"title": "remix depth", "dtick": 1}, yaxis={"visible": False})
    return figure
