//! The charts drawn: stacked bars per bucket over a median-latency line, as inline SVG in the
//! chart's own units (`viewBox`), which CSS scales to the page's width.
use leptos::prelude::*;

use super::{Bucket, Chart, PipelineCharts, seconds};

// The drawing, in its own units (`viewBox`); CSS scales it to the page's width.
const WIDTH: f64 = 320.0;
const HEIGHT: f64 = 152.0;
/// Room for the scale's labels on the left.
const LEFT: f64 = 34.0;
const RIGHT: f64 = 4.0;
/// The bars' panel (top, baseline) and the latency line's under it.
const BARS: (f64, f64) = (6.0, 88.0);
const LINE: (f64, f64) = (100.0, 134.0);
const TICK_TEXT_Y: f64 = 148.0;
/// The space between two bars.
const GAP: f64 = 1.0;

/// A coordinate, to a tenth of a unit.
fn at(v: f64) -> String {
    format!("{v:.1}")
}

/// Both windows under one legend (in HTML, so it reads and zooms as text).
#[component]
pub fn AttemptCharts(charts: PipelineCharts) -> impl IntoView {
    let PipelineCharts { hours, days } = charts;
    let legend = (!hours.is_empty() || !days.is_empty()).then(|| {
        view! {
            <ul class="chart-legend">
                <li><span class="swatch swatch-delivered" aria-hidden="true"></span>"Delivered"</li>
                <li><span class="swatch swatch-retried" aria-hidden="true"></span>"Retried (failed, tried again later)"</li>
                <li><span class="swatch swatch-dead" aria-hidden="true"></span>"Dead-lettered (failed for good)"</li>
                <li><span class="swatch swatch-latency" aria-hidden="true"></span>"Median latency (lower line)"</li>
            </ul>
        }
    });
    view! {
        {legend}
        <div class="charts">
            <WindowChart chart=hours/>
            <WindowChart chart=days/>
        </div>
    }
}

/// One window: its summary as a line of text, then the chart; with no attempts, a sentence.
#[component]
fn WindowChart(chart: Chart) -> impl IntoView {
    if chart.is_empty() {
        return view! { <p class="hint chart-empty">{chart.empty_text()}</p> }.into_any();
    }
    let summary = chart.summary();
    let (label, title) = (summary.clone(), summary.clone());
    let hatch = format!("chart-{}-hatch", chart.window.key());
    let slot = (WIDTH - LEFT - RIGHT) / chart.buckets.len() as f64;
    let most = chart.buckets.iter().map(Bucket::total).max().unwrap_or(1).max(1);
    let slowest = chart.buckets.iter().filter_map(|b| b.latency.map(|l| l.median_ms)).max();
    let desc = describe(&chart, most, slowest);
    let bars = chart
        .buckets
        .iter()
        .enumerate()
        .filter(|(_, b)| b.total() > 0)
        .map(|(i, b)| bucket_bars(b, LEFT + i as f64 * slot, slot, most, &hatch))
        .collect_view();
    let line = slowest.map(|top| latency_line(&chart.buckets, slot, top.max(1)));
    let ticks = ticks(&chart.buckets, slot);
    let scale = |v: f64| at(v + 3.5);
    view! {
        <div class="chart">
            <p class="chart-summary">{summary}</p>
            <svg class="chart-svg" viewBox=format!("0 0 {WIDTH} {HEIGHT}") role="img" aria-label=label>
                <title>{title}</title>
                <desc>{desc}</desc>
                <defs>
                    <pattern id=hatch.clone() width="4" height="4" patternUnits="userSpaceOnUse" patternTransform="rotate(45)">
                        <rect class="bar-dead-bg" width="4" height="4"/>
                        <line class="bar-dead-line" x1="1" y1="0" x2="1" y2="4"/>
                    </pattern>
                </defs>
                <text class="chart-scale" x=at(LEFT - 3.0) y=scale(BARS.0) text-anchor="end">{most}</text>
                <text class="chart-scale" x=at(LEFT - 3.0) y=at(BARS.1) text-anchor="end">"0"</text>
                <line class="chart-axis" x1=at(LEFT) y1=at(BARS.1) x2=at(WIDTH - RIGHT) y2=at(BARS.1)/>
                {slowest.map(|top| view! {
                    <g>
                        <text class="chart-scale" x=at(LEFT - 3.0) y=scale(LINE.0) text-anchor="end">{seconds(top)}</text>
                        <text class="chart-scale" x=at(LEFT - 3.0) y=at(LINE.1) text-anchor="end">"0 s"</text>
                    </g>
                })}
                <line class="chart-axis" x1=at(LEFT) y1=at(LINE.1) x2=at(WIDTH - RIGHT) y2=at(LINE.1)/>
                {bars}
                {line}
                {ticks}
            </svg>
        </div>
    }
    .into_any()
}

/// What the chart shows, for a screen reader after the summary.
fn describe(chart: &Chart, most: u32, slowest: Option<u32>) -> String {
    let unit = chart.window.unit();
    let (first, last) = match (chart.buckets.first(), chart.buckets.last()) {
        (Some(f), Some(l)) => (f.label.as_str(), l.label.as_str()),
        _ => ("", ""),
    };
    let line = match slowest {
        Some(ms) => format!("The line under them is the median latency per {unit}, at most {}.", seconds(ms)),
        None => "No latency was recorded.".into(),
    };
    format!(
        "Bars: attempts per {unit} from {first} to {last}, stacked as delivered, retried and dead-lettered; \
         at most {most} in one {unit}. {line}"
    )
}

/// One bucket's stacked bars, delivered at the bottom, with its numbers as a tooltip.
fn bucket_bars(b: &Bucket, x: f64, slot: f64, most: u32, hatch: &str) -> impl IntoView + use<> {
    let per_attempt = (BARS.1 - BARS.0) / f64::from(most);
    let mut top = BARS.1;
    let mut rects = Vec::new();
    for (count, class) in
        [(b.delivered, "bar bar-delivered"), (b.retried, "bar bar-retried"), (b.dead_lettered, "bar bar-dead")]
    {
        if count > 0 {
            let height = f64::from(count) * per_attempt;
            top -= height;
            // Dead letters are hatched, not only red: they read in grey and to red-blind eyes.
            let fill = (class == "bar bar-dead").then(|| format!("url(#{hatch})"));
            rects.push(view! {
                <rect class=class x=at(x + GAP) y=at(top) width=at((slot - 2.0 * GAP).max(1.0)) height=at(height) fill=fill/>
            });
        }
    }
    view! {
        <g>
            <title>{b.describe()}</title>
            {rects}
        </g>
    }
}

/// The median latency per bucket as a line scaled to `top`, broken where a bucket has none, with
/// a dot on each bucket (a lone one shows too).
fn latency_line(buckets: &[Bucket], slot: f64, top: u32) -> impl IntoView + use<> {
    let per_ms = (LINE.1 - LINE.0) / f64::from(top);
    let mut d = String::new();
    let mut points = Vec::new();
    let mut drawing = false;
    for (i, b) in buckets.iter().enumerate() {
        let Some(l) = b.latency else {
            drawing = false;
            continue;
        };
        let (x, y) = (LEFT + (i as f64 + 0.5) * slot, LINE.1 - f64::from(l.median_ms) * per_ms);
        d.push_str(&format!("{}{} {} ", if drawing { "L" } else { "M" }, at(x), at(y)));
        drawing = true;
        points.push(view! { <circle class="chart-point" cx=at(x) cy=at(y) r="1.6"/> });
    }
    view! {
        <g>
            <path class="chart-latency" d=d.trim_end().to_string()/>
            {points}
        </g>
    }
}

/// The few axis labels, kept inside the drawing at its edges.
fn ticks(buckets: &[Bucket], slot: f64) -> impl IntoView + use<> {
    let labels: Vec<_> = buckets
        .iter()
        .enumerate()
        .filter_map(|(i, b)| b.tick.clone().map(|t| (i, t)))
        .map(|(i, text)| {
            let centre = LEFT + (i as f64 + 0.5) * slot;
            // About 6 units a character at the labels' size.
            let half = text.len() as f64 * 3.0;
            let (x, anchor) = if centre + half > WIDTH {
                (WIDTH - 1.0, "end")
            } else if centre - half < 0.0 {
                (1.0, "start")
            } else {
                (centre, "middle")
            };
            view! {
                <line class="chart-axis" x1=at(centre) y1=at(LINE.1) x2=at(centre) y2=at(LINE.1 + 3.0)/>
                <text class="chart-tick" x=at(x) y=at(TICK_TEXT_Y) text-anchor=anchor>{text}</text>
            }
        })
        .collect_view();
    view! { <g>{labels}</g> }
}
