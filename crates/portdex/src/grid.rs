//! Tables for people: columns aligned by display width, fitted to the terminal by
//! wrapping one column at word boundaries and hiding the least important columns.

use anstyle::Style;
use std::fmt::Write;
use unicode_width::UnicodeWidthStr;

/// How a [`Grid`] is laid out.
pub struct Layout<'a, const N: usize> {
    /// The column titles.
    pub header: &'a [&'a str; N],
    /// The terminal's width, when the output goes to one (None: no fitting at all).
    pub width: Option<usize>,
    /// Columns to hide when the table does not fit, the first hidden first.
    pub hide: &'a [usize],
    /// The column whose text is wrapped onto more lines when the table does not fit.
    pub wrap: Option<usize>,
    /// Whether styled cells are written with their style.
    pub color: bool,
}

/// A table built cell by cell: the cells are written into one text buffer (no
/// allocation per cell), so that tables of thousands of rows stay cheap.
pub struct Grid<const N: usize> {
    text: String,
    ends: Vec<usize>,
    /// The styled cells, by index, in order.
    styles: Vec<(usize, Style)>,
}

/// Writes a number in decimal, as Display does.
#[inline]
fn push_number(out: &mut String, mut n: u32) {
    let mut digits = [0u8; 10];
    let mut at = digits.len();
    loop {
        at -= 1;
        digits[at] = b'0' + (n % 10) as u8;
        n /= 10;
        if n == 0 {
            break;
        }
    }
    for &d in &digits[at..] {
        out.push(char::from(d));
    }
}

/// Display width; most cells are ASCII, whose width is their length.
#[inline]
fn width(s: &str) -> usize {
    if s.is_ascii() {
        s.len()
    } else {
        s.width()
    }
}

/// The narrowest a wrapped column becomes before columns are hidden.
const MIN_WRAP: usize = 16;
/// The narrowest a column is cut to, as the last resort.
const MIN_CUT: usize = 6;

impl<const N: usize> Grid<N> {
    /// An empty grid for about `rows` rows.
    pub fn with_capacity(rows: usize) -> Self {
        Grid {
            text: String::with_capacity(rows * N * 8),
            ends: Vec::with_capacity(rows * N),
            styles: Vec::new(),
        }
    }

    /// Appends the next cell (rows fill left to right, N cells each).
    pub fn cell(&mut self, value: impl std::fmt::Display) {
        let _ = write!(self.text, "{value}");
        self.ends.push(self.text.len());
    }

    /// Appends the next cell, given as text (no formatting machinery: a listing of
    /// 10,000 sockets writes 110,000 cells).
    pub fn text(&mut self, value: &str) {
        self.text.push_str(value);
        self.ends.push(self.text.len());
    }

    /// Appends the next cell: the numbers joined by `sep`, or `empty` when there are none.
    pub fn numbers(&mut self, numbers: impl IntoIterator<Item = u32>, sep: &str, empty: &str) {
        let mut any = false;
        for n in numbers {
            if any {
                self.text.push_str(sep);
            }
            push_number(&mut self.text, n);
            any = true;
        }
        if !any {
            self.text.push_str(empty);
        }
        self.ends.push(self.text.len());
    }

    /// Appends the next cell: an address and port as SocketAddr's Display writes them
    /// (127.0.0.1:5432, [::1]:5432), IPv4 without the formatting machinery (a listing
    /// of 10,000 connections writes 40,000 of them).
    pub fn socket_addr(&mut self, addr: std::net::SocketAddr) {
        match addr {
            std::net::SocketAddr::V4(a) => {
                for (i, n) in a.ip().octets().into_iter().enumerate() {
                    if i > 0 {
                        self.text.push('.');
                    }
                    push_number(&mut self.text, u32::from(n));
                }
                self.text.push(':');
                push_number(&mut self.text, u32::from(a.port()));
                self.ends.push(self.text.len());
            }
            v6 => self.cell(v6),
        }
    }

    /// Appends the next cell, written in `style` when colour is on.
    pub fn styled(&mut self, value: impl std::fmt::Display, style: Option<Style>) {
        if let Some(style) = style {
            self.styles.push((self.ends.len(), style));
        }
        self.cell(value);
    }

    fn cells(&self) -> impl Iterator<Item = &str> {
        let starts = std::iter::once(0).chain(self.ends.iter().copied());
        starts
            .zip(self.ends.iter().copied())
            .map(|(a, b)| &self.text[a..b])
    }

    /// The width of each column, which columns are shown, and whether the widest is cut.
    fn fit(&self, layout: &Layout<N>) -> ([usize; N], [bool; N]) {
        let mut widths: [usize; N] = layout.header.map(width);
        for (i, cell) in self.cells().enumerate() {
            widths[i % N] = widths[i % N].max(width(cell));
        }
        fit(widths, layout)
    }

    /// Writes the header and the rows, columns aligned and fitted to the layout's width.
    pub fn render(&self, out: &mut String, layout: &Layout<N>) {
        let (widths, shown) = self.fit(layout);
        let last = (0..N).rev().find(|&i| shown[i]).unwrap_or(0);
        out.reserve((self.ends.len() / N + 1) * (widths.iter().sum::<usize>() + 2 * N + 1));
        // The header is bold when colour is on.
        let bold = Some(Style::new().bold());
        let mut row: [(&str, Option<Style>); N] = [("", None); N];
        for (slot, h) in row.iter_mut().zip(layout.header) {
            *slot = (h, bold);
        }
        write_row(out, layout, &row, &widths, &shown, last);
        if layout.wrap.is_none() && !layout.color {
            // No wrapping and no style: each row is one line of its cells as they are,
            // what write_row writes, without its general case (10,000 rows of `ls`).
            let mut start = 0;
            for ends in self.ends.chunks_exact(N) {
                out.push(' ');
                for (i, &end) in ends.iter().enumerate() {
                    let cell = &self.text[start..end];
                    start = end;
                    if shown[i] {
                        write_cell(out, cell, widths[i], i != last);
                    }
                }
                let end = out.trim_end_matches(' ').len();
                out.truncate(end);
                out.push('\n');
            }
            return;
        }
        let mut styles = self.styles.iter().peekable();
        for (i, cell) in self.cells().enumerate() {
            let style = match styles.peek() {
                Some(&&(at, style)) if at == i => {
                    styles.next();
                    Some(style)
                }
                _ => None,
            };
            row[i % N] = (cell, style);
            if i % N == N - 1 {
                write_row(out, layout, &row, &widths, &shown, last);
            }
        }
    }
}

/// One cell of an unstyled line: cut to its column's width, padded unless last.
fn write_cell(out: &mut String, text: &str, width_of_column: usize, pad: bool) {
    let mut w = width(text);
    if w > width_of_column {
        let cut = cut_to(text, width_of_column);
        w = width(&cut);
        out.push_str(&cut);
    } else {
        out.push_str(text);
    }
    if pad {
        pad_spaces(out, width_of_column - w + 2);
    }
}

fn write_row<const N: usize>(
    out: &mut String,
    layout: &Layout<N>,
    row: &[(&str, Option<Style>); N],
    widths: &[usize; N],
    shown: &[bool; N],
    last: usize,
) {
    // The wrapped column's lines; every other column has one.
    let wrapped: Vec<std::borrow::Cow<str>> = match layout.wrap {
        Some(c) if shown[c] && width(row[c].0) > widths[c] => {
            let opts = textwrap::Options::new(widths[c])
                .break_words(true)
                .word_splitter(textwrap::WordSplitter::NoHyphenation);
            textwrap::wrap(row[c].0, opts)
        }
        _ => Vec::new(),
    };
    let lines = wrapped.len().max(1);
    for line in 0..lines {
        out.push(' ');
        for i in (0..N).filter(|&i| shown[i]) {
            let (text, style) = if Some(i) == layout.wrap && !wrapped.is_empty() {
                (wrapped.get(line).map_or("", |l| l.as_ref()), row[i].1)
            } else if line == 0 {
                row[i]
            } else {
                ("", None)
            };
            let cut;
            let mut w = width(text);
            let text = if w > widths[i] {
                cut = cut_to(text, widths[i]);
                w = width(&cut);
                cut.as_str()
            } else {
                text
            };
            match style {
                Some(s) if layout.color && !text.is_empty() => {
                    let _ = write!(out, "{s}{text}{s:#}");
                }
                _ => out.push_str(text),
            }
            if i != last {
                pad_spaces(out, widths[i] - w + 2);
            }
        }
        let end = out.trim_end_matches(' ').len();
        out.truncate(end);
        out.push('\n');
    }
}

/// One row of a table laid out by [`render_rows`]: the same cells as [`Grid`]'s, but
/// nothing is kept between rows. In the first pass a cell only widens its column (a
/// number's width is its count of digits: nothing is formatted); in the second it is
/// written, cut and padded to its column, into the row's line.
pub struct Row<const N: usize> {
    /// Second pass: the cells are written (first pass: measured).
    writing: bool,
    /// First pass: the widest cell of each column so far; second: the columns' widths.
    widths: [usize; N],
    shown: [bool; N],
    /// The last shown column (not padded).
    last: usize,
    color: bool,
    /// The column of the next cell.
    col: usize,
    /// Second pass: the row being written (reused from row to row).
    line: String,
    /// First pass: a cell written out only to be measured (IPv6 addresses, text that
    /// is not ASCII).
    scratch: String,
}

/// Digits of a number in decimal.
fn digits(n: u32) -> usize {
    n.checked_ilog10().map_or(1, |l| l as usize + 1)
}

impl<const N: usize> Row<N> {
    /// The next cell's column, and whether to write it: in the second pass, hidden
    /// columns are skipped.
    fn next(&mut self) -> (usize, bool) {
        let c = self.col;
        self.col = if c + 1 == N { 0 } else { c + 1 };
        (c, self.writing && self.shown[c])
    }

    fn widen(&mut self, c: usize, w: usize) {
        self.widths[c] = self.widths[c].max(w);
    }

    /// Second pass: the cell written from `start` of the line, `w` columns wide, is cut
    /// to its column and padded, as Grid::render writes a cell.
    fn close(&mut self, c: usize, start: usize, mut w: usize) {
        if w > self.widths[c] {
            let cut = cut_to(&self.line[start..], self.widths[c]);
            w = width(&cut);
            self.line.truncate(start);
            self.line.push_str(&cut);
        }
        if c != self.last {
            pad_spaces(&mut self.line, self.widths[c] - w + 2);
        }
    }

    /// The next cell, given as text.
    pub fn text(&mut self, value: &str) {
        self.styled(value, None);
    }

    /// The next cell, written in `style` when colour is on.
    pub fn styled(&mut self, value: &str, style: Option<Style>) {
        let (c, write) = self.next();
        if !self.writing {
            self.widen(c, width(value));
            return;
        }
        if !write {
            return;
        }
        let cut;
        let mut w = width(value);
        let text = if w > self.widths[c] {
            cut = cut_to(value, self.widths[c]);
            w = width(&cut);
            cut.as_str()
        } else {
            value
        };
        match style {
            Some(s) if self.color && !text.is_empty() => {
                let _ = write!(self.line, "{s}{text}{s:#}");
            }
            _ => self.line.push_str(text),
        }
        if c != self.last {
            pad_spaces(&mut self.line, self.widths[c] - w + 2);
        }
    }

    /// The next cell: the texts joined by `sep`, or `empty` when there are none.
    pub fn joined<'t>(&mut self, texts: impl IntoIterator<Item = &'t str>, sep: &str, empty: &str) {
        let (c, write) = self.next();
        if self.writing && !write {
            return;
        }
        let out = if self.writing {
            &mut self.line
        } else {
            self.scratch.clear();
            &mut self.scratch
        };
        let start = out.len();
        let mut any = false;
        for t in texts {
            if any {
                out.push_str(sep);
            }
            out.push_str(t);
            any = true;
        }
        if !any {
            out.push_str(empty);
        }
        if self.writing {
            let w = width(&self.line[start..]);
            self.close(c, start, w);
        } else {
            self.widen(c, width(&self.scratch));
        }
    }

    /// The next cell: the numbers joined by `sep`, or `empty` when there are none.
    pub fn numbers(&mut self, numbers: impl IntoIterator<Item = u32>, sep: &str, empty: &str) {
        let (c, write) = self.next();
        if !self.writing {
            // Digits and the separators' widths: the same as the joined text's width
            // when the separators are ASCII (they are: "," and "").
            debug_assert!(sep.is_ascii());
            let mut w = 0;
            let mut any = false;
            for n in numbers {
                if any {
                    w += sep.len();
                }
                w += digits(n);
                any = true;
            }
            self.widen(c, if any { w } else { width(empty) });
            return;
        }
        if !write {
            return;
        }
        let start = self.line.len();
        let mut any = false;
        for n in numbers {
            if any {
                self.line.push_str(sep);
            }
            push_number(&mut self.line, n);
            any = true;
        }
        if !any {
            self.line.push_str(empty);
        }
        // Digits and ASCII separators: a column per byte.
        let w = if sep.is_ascii() && empty.is_ascii() {
            self.line.len() - start
        } else {
            width(&self.line[start..])
        };
        self.close(c, start, w);
    }

    /// The next cell: an address, as its Display writes it.
    pub fn ip(&mut self, ip: std::net::IpAddr) {
        let (c, write) = self.next();
        if !self.writing {
            let w = match ip {
                // Four numbers and three dots.
                std::net::IpAddr::V4(v4) => {
                    3 + v4
                        .octets()
                        .iter()
                        .map(|&o| digits(u32::from(o)))
                        .sum::<usize>()
                }
                v6 => {
                    self.scratch.clear();
                    let _ = write!(self.scratch, "{v6}");
                    self.scratch.len()
                }
            };
            self.widen(c, w);
            return;
        }
        if !write {
            return;
        }
        let start = self.line.len();
        match ip {
            std::net::IpAddr::V4(v4) => {
                for (i, n) in v4.octets().into_iter().enumerate() {
                    if i > 0 {
                        self.line.push('.');
                    }
                    push_number(&mut self.line, u32::from(n));
                }
            }
            v6 => {
                let _ = write!(self.line, "{v6}");
            }
        }
        // An address is ASCII: a column per byte.
        let w = self.line.len() - start;
        self.close(c, start, w);
    }
}

/// Writes the header and a row per item, columns aligned and fitted to the layout's
/// width, as [`Grid::render`] writes them, but without the cells stored: `cells` writes
/// an item's cells into a [`Row`], and is called twice per item, first to measure the
/// columns, then to write the row. A table of 10,000 rows (`ls`) takes a row's memory
/// instead of its cells' (1.8 MB of text and ends) and its whole text (1.3 MB): the
/// rows go into `out` a block at a time. Layouts with a wrapped column are not laid
/// out here (a wrapped cell spans several lines: Grid does it).
pub fn render_rows<T, const N: usize>(
    out: &mut crate::blocks::Blocks,
    layout: &Layout<N>,
    items: &[T],
    cells: impl Fn(&mut Row<N>, &T),
) {
    debug_assert!(layout.wrap.is_none(), "render_rows does not wrap");
    let mut row = Row {
        writing: false,
        widths: layout.header.map(width),
        shown: [true; N],
        last: 0,
        color: layout.color,
        col: 0,
        line: String::new(),
        scratch: String::new(),
    };
    for item in items {
        cells(&mut row, item);
    }
    let (widths, shown) = fit(row.widths, layout);
    let last = (0..N).rev().find(|&i| shown[i]).unwrap_or(0);
    // The header is bold when colour is on.
    let bold = Some(Style::new().bold());
    let mut header: [(&str, Option<Style>); N] = [("", None); N];
    for (slot, h) in header.iter_mut().zip(layout.header) {
        *slot = (h, bold);
    }
    write_row(out.text(), layout, &header, &widths, &shown, last);
    row.writing = true;
    row.widths = widths;
    row.shown = shown;
    row.last = last;
    for item in items {
        row.line.clear();
        row.line.push(' ');
        cells(&mut row, item);
        let text = out.text();
        text.push_str(row.line.trim_end_matches(' '));
        text.push('\n');
        out.maybe_flush();
    }
}

/// Which columns are shown and how wide, from the widest cell of each column (the
/// header's included): columns hidden in the layout's order, then the widest cut,
/// until the table fits the layout's width.
fn fit<const N: usize>(mut widths: [usize; N], layout: &Layout<N>) -> ([usize; N], [bool; N]) {
    let mut shown = [true; N];
    let Some(max) = layout.width else {
        return (widths, shown);
    };
    // One space before the first column, two between columns.
    let total = |widths: &[usize; N], shown: &[bool; N]| {
        let n = shown.iter().filter(|s| **s).count();
        1 + (0..N)
            .filter(|&i| shown[i])
            .map(|i| widths[i])
            .sum::<usize>()
            + 2 * n.saturating_sub(1)
    };
    let full = widths;
    let squeeze = |widths: &mut [usize; N], shown: &[bool; N]| {
        if let Some(c) = layout.wrap {
            widths[c] = full[c];
            let over = total(widths, shown).saturating_sub(max);
            let floor = MIN_WRAP.max(width(layout.header[c])).min(full[c]);
            widths[c] = full[c].saturating_sub(over).max(floor);
        }
    };
    squeeze(&mut widths, &shown);
    for &h in layout.hide {
        if total(&widths, &shown) <= max {
            break;
        }
        shown[h] = false;
        squeeze(&mut widths, &shown);
    }
    // The last resort: cut the widest columns (never the first, which names the
    // row, nor the wrapped one, which is at its narrowest already).
    while total(&widths, &shown) > max {
        let Some(c) = (1..N)
            .filter(|&i| shown[i] && widths[i] > MIN_CUT && Some(i) != layout.wrap)
            .max_by_key(|&i| widths[i])
        else {
            break;
        };
        let over = total(&widths, &shown) - max;
        widths[c] = widths[c].saturating_sub(over).max(MIN_CUT);
    }
    (widths, shown)
}

/// Appends `n` spaces.
fn pad_spaces(out: &mut String, mut n: usize) {
    const SPACES: &str = "                                                                ";
    while n > 0 {
        let k = n.min(SPACES.len());
        out.push_str(&SPACES[..k]);
        n -= k;
    }
}

/// The text cut to `max` columns, the cut marked with an ellipsis.
fn cut_to(text: &str, max: usize) -> String {
    let mut out = String::new();
    let mut w = 0;
    for c in text.chars() {
        let cw = unicode_width::UnicodeWidthChar::width(c).unwrap_or(0);
        if w + cw + 1 > max {
            break;
        }
        out.push(c);
        w += cw;
    }
    out.push('…');
    out
}

/// Pads `text` with spaces to `cols` display columns.
pub fn pad(text: &str, cols: usize) -> String {
    let mut s = text.to_owned();
    s.extend(std::iter::repeat_n(' ', cols.saturating_sub(width(text))));
    s
}

/// The widest of some texts, in display columns.
pub fn widest<'a>(texts: impl IntoIterator<Item = &'a str>) -> usize {
    texts.into_iter().map(width).max().unwrap_or(0)
}

/// Wraps `text` to `width` columns at word boundaries (None: one line), for text
/// written after an indent of `indent` columns.
pub fn wrap(text: &str, width: Option<usize>, indent: usize) -> Vec<std::borrow::Cow<'_, str>> {
    match width {
        None => vec![std::borrow::Cow::Borrowed(text)],
        Some(w) => {
            let opts = textwrap::Options::new(w.saturating_sub(indent).max(20))
                .break_words(false)
                .word_splitter(textwrap::WordSplitter::NoHyphenation);
            textwrap::wrap(text, opts)
        }
    }
}

/// Writes `prefix` and `text`, the text wrapped to `width` at word boundaries and its
/// continuation lines indented under its start.
pub fn write_wrapped(out: &mut String, width: Option<usize>, prefix: &str, text: &str) {
    // The prefix may be coloured: its escape sequences take no columns.
    let indent = textwrap::core::display_width(prefix);
    write_lines(out, prefix, indent, &wrap(text, width, indent));
}

/// Writes `prefix` and a command line, broken only at spaces (an argument longer than
/// the line is cut where the line ends), continuation lines indented under its start.
pub fn write_command(out: &mut String, width: Option<usize>, prefix: &str, command: &str) {
    let indent = self::width(prefix);
    let lines = match width {
        None => vec![std::borrow::Cow::Borrowed(command)],
        Some(w) => {
            let opts = textwrap::Options::new(w.saturating_sub(indent).max(20))
                .word_separator(textwrap::WordSeparator::AsciiSpace)
                .word_splitter(textwrap::WordSplitter::NoHyphenation)
                .break_words(true);
            textwrap::wrap(command, opts)
        }
    };
    write_lines(out, prefix, indent, &lines);
}

fn write_lines(out: &mut String, prefix: &str, indent: usize, lines: &[std::borrow::Cow<str>]) {
    for (n, line) in lines.iter().enumerate() {
        if n == 0 {
            out.push_str(prefix);
        } else {
            out.extend(std::iter::repeat_n(' ', indent));
        }
        out.push_str(line);
        out.push('\n');
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn grid(rows: &[[&str; 3]]) -> Grid<3> {
        let mut g = Grid::with_capacity(rows.len());
        for r in rows {
            for c in r {
                g.cell(c);
            }
        }
        g
    }

    fn lines(out: &str) -> Vec<&str> {
        out.lines().collect()
    }

    #[test]
    fn socket_addresses_are_written_as_display_writes_them() {
        let addrs = [
            "0.0.0.0:0",
            "127.0.0.1:5432",
            "255.255.255.255:65535",
            "10.20.3.4:80",
            "[::1]:443",
            "[fe80::1%2]:22",
        ];
        let mut g = Grid::<1>::with_capacity(addrs.len());
        for a in addrs {
            g.socket_addr(a.parse().unwrap());
        }
        let cells: Vec<&str> = g.cells().collect();
        let want: Vec<String> = addrs
            .iter()
            .map(|a| a.parse::<std::net::SocketAddr>().unwrap().to_string())
            .collect();
        assert_eq!(cells, want);
    }

    #[test]
    fn aligns_by_display_width() {
        let g = grid(&[["中", "x", "y"], ["high", "x", "y"]]);
        let mut out = String::new();
        g.render(
            &mut out,
            &Layout {
                header: &["深刻度", "B", "C"],
                width: None,
                hide: &[],
                wrap: None,
                color: false,
            },
        );
        let l = lines(&out);
        let col = |s: &str| s[..s.find('x').unwrap()].width();
        assert_eq!(col(l[1]), col(l[2]), "{out}");
    }

    #[test]
    fn wraps_at_words_then_hides_then_cuts() {
        let text = "a description with several words in it that is long";
        let g = grid(&[["443", text, "assigned"]]);
        let layout = |w| Layout {
            header: &["PORT", "DESCRIPTION", "STATUS"],
            width: Some(w),
            hide: &[2],
            wrap: Some(1),
            color: false,
        };
        let mut out = String::new();
        g.render(&mut out, &layout(40));
        assert!(lines(&out).iter().all(|l| l.width() <= 40), "{out}");
        assert!(out.contains("assigned"), "{out}");
        // Every word is whole on some line.
        for word in text.split(' ') {
            assert!(
                out.split_whitespace().any(|w| w == word),
                "{word} split: {out}"
            );
        }
        let mut out = String::new();
        g.render(&mut out, &layout(24));
        assert!(
            !out.contains("assigned"),
            "the STATUS column is hidden first: {out}"
        );
        assert!(lines(&out).iter().all(|l| l.width() <= 24), "{out}");
    }

    #[test]
    fn cuts_as_the_last_resort() {
        let g = grid(&[["tcp", "fe80::1234:5678:9abc:def0%enp0s31f6", "x"]]);
        let mut out = String::new();
        g.render(
            &mut out,
            &Layout {
                header: &["P", "ADDRESS", "X"],
                width: Some(20),
                hide: &[],
                wrap: None,
                color: false,
            },
        );
        assert!(lines(&out).iter().all(|l| l.width() <= 20), "{out}");
        assert!(out.contains('…'), "{out}");
    }
}
