"""Chart specifications the page hands to Streamlit as they are."""


def shift_heatmap_spec(moved, shifts, title: str) -> dict:
    """A ShiftMap (cnn/net/shifts.py) as a grid: x the shift right, y the shift down, colour the
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
