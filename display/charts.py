"""Chart specifications the page hands to Streamlit as they are."""


def probability_chart_spec(probabilities) -> dict:
    """Ten horizontal bars, 0-100%. A plain Vega-Lite spec: building it through Altair
    (st.bar_chart) costs the per-stroke path about 10 ms more."""
    values = [{"digit": str(d), "probability": float(p)} for d, p in enumerate(probabilities)]
    return {
        "data": {"values": values},
        "mark": {"type": "bar", "tooltip": True},
        "height": 280,
        "encoding": {
            "y": {
                "field": "digit",
                "type": "nominal",
                "sort": None,
                "title": "digit",
                "axis": {"labelAngle": 0, "labelFontSize": 15, "labelOverlap": False},
            },
            "x": {
                "field": "probability",
                "type": "quantitative",
                "scale": {"domain": [0, 1]},
                "axis": {"format": "%"},
            },
        },
    }
