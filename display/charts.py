"""Chart specifications the page hands to Streamlit as they are."""

# The digits 0-9 down the side and the probability 0-100% along, shared by the bar charts.
_DIGIT_AXIS = {
    "field": "digit",
    "type": "nominal",
    "sort": None,
    "title": "digit",
    "axis": {"labelAngle": 0, "labelFontSize": 15, "labelOverlap": False},
}
_PROBABILITY_AXIS = {
    "field": "probability",
    "type": "quantitative",
    "scale": {"domain": [0, 1]},
    "axis": {"format": "%"},
}


def probability_chart_spec(probabilities) -> dict:
    """Ten horizontal bars, 0-100%. A plain Vega-Lite spec: building it through Altair
    (st.bar_chart) costs the per-stroke path about 10 ms more."""
    values = [{"digit": str(d), "probability": float(p)} for d, p in enumerate(probabilities)]
    return {
        "data": {"values": values},
        "mark": {"type": "bar", "tooltip": True},
        "height": 280,
        "encoding": {
            "y": _DIGIT_AXIS,
            "x": _PROBABILITY_AXIS,
        },
    }


NETWORK_COLOURS = {"convnet": "#1f77b4", "dense net": "#ff7f0e"}


def comparison_chart_spec(convnet, dense) -> dict:
    """Both networks' ten probabilities as paired horizontal bars, one colour per network."""
    values = [
        {"digit": str(d), "network": network, "probability": float(p)}
        for network, probabilities in (("convnet", convnet), ("dense net", dense))
        for d, p in enumerate(probabilities)
    ]
    return {
        "data": {"values": values},
        "mark": {"type": "bar", "tooltip": True},
        "height": 280,
        "encoding": {
            "y": _DIGIT_AXIS,
            "yOffset": {"field": "network", "type": "nominal"},
            "x": _PROBABILITY_AXIS,
            "color": {
                "field": "network",
                "type": "nominal",
                "scale": {"domain": list(NETWORK_COLOURS), "range": list(NETWORK_COLOURS.values())},
                "legend": {"orient": "top", "title": None},
            },
        },
    }


def shift_heatmap_spec(moved, shifts, title: str) -> dict:
    """A ShiftMap (cnn/shifts.py) as a grid: x the shift right, y the shift down, colour the
    probability of the digit read unmoved; where another digit is read, that digit in red."""
    values = [
        {
            "right": dx,
            "down": dy,
            "probability": float(moved.probability[row, column]),
            "reads": int(moved.read[row, column]),
            "other": "" if moved.read[row, column] == moved.digit else str(int(moved.read[row, column])),
        }
        for row, dy in enumerate(shifts)
        for column, dx in enumerate(shifts)
    ]
    axis = {"values": [-6, -4, -2, 0, 2, 4, 6], "labelAngle": 0}
    return {
        "title": {"text": title, "fontSize": 15},
        "data": {"values": values},
        "width": "container",
        "height": 300,
        "encoding": {
            "x": {"field": "right", "type": "ordinal", "title": "moved right (px)", "axis": axis},
            "y": {"field": "down", "type": "ordinal", "title": "moved down (px)", "axis": axis},
        },
        "layer": [
            {
                "mark": {"type": "rect", "tooltip": True},
                "encoding": {
                    "color": {
                        "field": "probability",
                        "type": "quantitative",
                        "scale": {"domain": [0, 1], "scheme": "greens"},
                        "title": f"P({moved.digit})",
                    }
                },
            },
            {
                "mark": {"type": "text", "fontSize": 13, "fontWeight": "bold", "color": "#d62728"},
                "encoding": {"text": {"field": "other"}},
            },
        ],
    }
