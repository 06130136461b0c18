"""What the small display says: word wrapping and the node's own screens."""

IDLE = ["Scan your", "loyalty card"]
OFFLINE = ["Kiosk offline", "Your receipt", "prints as usual"]
CONNECTING = ["Connecting..."]
READING = ["Reading card..."]
NO_ANSWER = ["No answer", "Your receipt", "prints as usual"]
PRINT_ANYWAY = ["OK: your receipt", "will be printed"]
NO_PAPER = ["OK: no paper", "receipt"]
PAPER = ["OK: paper", "receipt"]
MODE_TEXT = {
    "paper": ["Receipt on paper"],
    "qr": ["Short ticket", "with a QR code", "[paper]=full", "receipt"],
    "none": ["No paper receipt", "it goes to your", "account", "[paper]=print it"],
}


def wrap(text, width):
    """Split text into lines of at most `width` characters, breaking at spaces."""
    out = []
    for para in text.split("\n"):
        line = ""
        for word in para.split(" "):
            while len(word) > width:
                if line:
                    out.append(line)
                    line = ""
                out.append(word[:width])
                word = word[width:]
            if not line:
                line = word
            elif len(line) + 1 + len(word) <= width:
                line = line + " " + word
            else:
                out.append(line)
                line = word
        out.append(line)
    return out


def fit(lines, width, rows):
    """Wrap each line and keep what fits on `rows` rows."""
    out = []
    for line in lines:
        out.extend(wrap(line, width))
    return out[:rows]


def rejected(reason):
    return ["Card not read:", reason, "Please scan", "again"]


def result(greeting, mode):
    lines = [greeting] if greeting else []
    return lines + MODE_TEXT.get(mode, [])
