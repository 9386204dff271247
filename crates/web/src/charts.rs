//! Server-rendered SVG charts as small view models: the geometry is computed here and the
//! templates draw it (`reports.html`), so no HTML is assembled in Rust and no script runs. A
//! chart crate would bring a font stack and a drawing backend for three charts of rectangles.
//! Every chart carries a `<title>` and its numbers in a table beside it.

/// One bar of a chart, in the chart's own coordinates (a viewBox), with its label and the link
/// to the list behind it.
pub struct Bar {
    pub x: i64,
    pub y: i64,
    pub width: i64,
    pub height: i64,
    pub label: String,
    /// The figure as shown ("72.5 %", "3 sessions"), or "no data".
    pub value: String,
    pub href: String,
}

pub struct BarChart {
    pub title: String,
    pub width: i64,
    pub height: i64,
    /// The baseline's y (vertical bars) or the labels' width (horizontal bars).
    pub axis: i64,
    pub bars: Vec<Bar>,
}

/// Vertical bars of percentages (0 to 100; more is drawn at the top), one per slot; `None` is
/// drawn as no bar and said as "no data".
pub fn columns(title: &str, items: Vec<(String, Option<f64>, String, String)>) -> BarChart {
    let (height, axis, slot) = (180, 160, 48);
    let width = (items.len() as i64 * slot).max(slot);
    let bars = items
        .into_iter()
        .enumerate()
        .map(|(n, (label, fraction, value, href))| {
            let h = fraction
                .map(|f| ((f.clamp(0.0, 1.0)) * (axis - 10) as f64).round() as i64)
                .unwrap_or(0);
            Bar {
                x: n as i64 * slot + 8,
                y: axis - h,
                width: slot - 16,
                height: h,
                label,
                value,
                href,
            }
        })
        .collect();
    BarChart {
        title: title.to_owned(),
        width,
        height,
        axis,
        bars,
    }
}

/// Horizontal bars of counts, the longest filling the width.
pub fn rows(title: &str, items: Vec<(String, i64, String)>) -> BarChart {
    let (label_width, bar_width, row) = (170, 300, 28);
    let max = items.iter().map(|(_, n, _)| *n).max().unwrap_or(0).max(1);
    let bars = items
        .into_iter()
        .enumerate()
        .map(|(n, (label, count, href))| Bar {
            x: label_width,
            y: n as i64 * row + 4,
            width: (count * bar_width / max).max(2),
            height: row - 8,
            label,
            value: count.to_string(),
            href,
        })
        .collect::<Vec<_>>();
    BarChart {
        title: title.to_owned(),
        width: label_width + bar_width + 50,
        height: (bars.len() as i64 * row).max(row),
        axis: label_width,
        bars,
    }
}

/// Horizontal bars of signed amounts (margins) around a zero line at `axis`: losses to the
/// left (`loss` set), gains to the right, the largest magnitude filling its side.
pub fn signed_rows(title: &str, items: Vec<(String, i64, String, String)>) -> SignedChart {
    let (label_width, half, row) = (190, 170, 28);
    let max = items
        .iter()
        .map(|(_, n, _, _)| n.unsigned_abs())
        .max()
        .unwrap_or(0)
        .max(1);
    // Both sides when there are losses and gains; otherwise the whole width to the one side.
    let losses = items.iter().any(|(_, n, _, _)| *n < 0);
    let gains = items.iter().any(|(_, n, _, _)| *n > 0);
    let (left, scale) = match (losses, gains) {
        (true, true) => (half, half),
        (true, false) => (2 * half, 2 * half),
        _ => (0, 2 * half),
    };
    let zero = label_width + left;
    let bars = items
        .into_iter()
        .enumerate()
        .map(|(n, (label, amount, value, href))| {
            let len = ((amount.unsigned_abs() as u128 * scale as u128 / max as u128) as i64).max(2);
            SignedBar {
                x: if amount < 0 { zero - len } else { zero },
                y: n as i64 * row + 4,
                width: len,
                height: row - 8,
                loss: amount < 0,
                label,
                value,
                href,
            }
        })
        .collect::<Vec<_>>();
    SignedChart {
        title: title.to_owned(),
        value_x: label_width + 2 * half + 8,
        width: label_width + 2 * half + 110,
        height: (bars.len() as i64 * row).max(row),
        label_width,
        zero,
        bars,
    }
}

/// A bar of [`signed_rows`].
pub struct SignedBar {
    pub x: i64,
    pub y: i64,
    pub width: i64,
    pub height: i64,
    pub loss: bool,
    pub label: String,
    pub value: String,
    pub href: String,
}

pub struct SignedChart {
    pub title: String,
    pub width: i64,
    pub height: i64,
    pub label_width: i64,
    /// The zero line's x.
    pub zero: i64,
    /// Where the amounts are written, right of the bars.
    pub value_x: i64,
    pub bars: Vec<SignedBar>,
}

/// One cell of a heat map.
pub struct Cell {
    pub x: i64,
    pub y: i64,
    /// A stylesheet class by level: `h0` (none) to `h5` (100 % or more), `hn` for no data.
    pub level: &'static str,
    pub value: String,
    pub href: String,
}

pub struct HeatMap {
    pub title: String,
    pub width: i64,
    pub height: i64,
    pub cell: i64,
    pub label_width: i64,
    /// Row labels with their y.
    pub rows: Vec<(String, i64)>,
    /// Column labels with their x.
    pub columns: Vec<(String, i64)>,
    pub cells: Vec<Cell>,
}

/// The class of a fraction in the heat map's scale.
pub fn level(fraction: Option<f64>) -> &'static str {
    match fraction {
        None => "hn",
        Some(f) if f <= 0.0 => "h0",
        Some(f) if f < 0.25 => "h1",
        Some(f) if f < 0.5 => "h2",
        Some(f) if f < 0.75 => "h3",
        Some(f) if f < 1.0 => "h4",
        Some(_) => "h5",
    }
}

/// A grid of `rows` × `columns`; each cell is (fraction, shown value, link).
pub fn heat_map(
    title: &str,
    rows: Vec<String>,
    columns: Vec<String>,
    cells: Vec<Vec<(Option<f64>, String, String)>>,
) -> HeatMap {
    let (cell, label_width, head) = (40, 150, 24);
    let row_labels = rows
        .into_iter()
        .enumerate()
        .map(|(n, r)| (r, head + n as i64 * cell))
        .collect::<Vec<_>>();
    let column_labels = columns
        .into_iter()
        .enumerate()
        .map(|(n, c)| (c, label_width + n as i64 * cell))
        .collect::<Vec<_>>();
    let width = label_width + column_labels.len() as i64 * cell + 4;
    let height = head + row_labels.len() as i64 * cell + 4;
    let cells = cells
        .into_iter()
        .enumerate()
        .flat_map(|(r, row)| {
            row.into_iter()
                .enumerate()
                .map(move |(c, (f, value, href))| Cell {
                    x: label_width + c as i64 * cell,
                    y: head + r as i64 * cell,
                    level: level(f),
                    value,
                    href,
                })
        })
        .collect();
    HeatMap {
        title: title.to_owned(),
        width,
        height,
        cell,
        label_width,
        rows: row_labels,
        columns: column_labels,
        cells,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn no_data_draws_no_bar_and_says_so() {
        let c = columns(
            "Fill",
            vec![
                ("W1".into(), Some(0.5), "50.0 %".into(), "/x".into()),
                ("W2".into(), None, "no data".into(), "/y".into()),
            ],
        );
        assert_eq!(c.bars[0].height, 75);
        assert_eq!(c.bars[1].height, 0);
        assert_eq!(c.bars[1].value, "no data");
    }

    #[test]
    fn losses_go_left_of_zero() {
        let c = signed_rows(
            "Margin",
            vec![
                ("A".into(), -50, "-0.50".into(), "/a".into()),
                ("B".into(), 100, "1.00".into(), "/b".into()),
            ],
        );
        assert!(c.bars[0].loss && c.bars[0].x + c.bars[0].width == c.zero);
        assert_eq!((c.bars[1].x, c.bars[1].width), (c.zero, 170));
        assert_eq!(c.bars[0].width, 85);
    }

    #[test]
    fn heat_levels() {
        assert_eq!(level(None), "hn");
        assert_eq!(level(Some(0.0)), "h0");
        assert_eq!(level(Some(0.6)), "h3");
        assert_eq!(level(Some(1.2)), "h5");
    }
}
