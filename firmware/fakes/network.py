"""Fake network: a Wi-Fi station that joins the access points in ACCESS_POINTS."""

STA_IF, AP_IF = 0, 1
STAT_IDLE, STAT_CONNECTING, STAT_WRONG_PASSWORD, STAT_NO_AP_FOUND, STAT_GOT_IP = 0, 1, -3, -2, 3

ACCESS_POINTS: dict = {}  # ssid -> password
_country = [""]
stations: list = []


def reset_state():
    ACCESS_POINTS.clear()
    stations.clear()
    _country[0] = ""


def country(code=None):
    if code is None:
        return _country[0]
    _country[0] = code
    return None


class WLAN:
    def __init__(self, iface=STA_IF):
        self.iface = iface
        self._active = False
        self._status = STAT_IDLE
        self.connects = 0
        stations.append(self)

    def active(self, on=None):
        if on is None:
            return self._active
        self._active = bool(on)
        return None

    def connect(self, ssid, password):
        if not self._active:
            raise OSError("Wifi Not Started")
        self.connects += 1
        if ssid not in ACCESS_POINTS:
            self._status = STAT_NO_AP_FOUND
        elif ACCESS_POINTS[ssid] != password:
            self._status = STAT_WRONG_PASSWORD
        else:
            self._status = STAT_GOT_IP

    def disconnect(self):
        self._status = STAT_IDLE

    def isconnected(self):
        return self._status == STAT_GOT_IP

    def status(self):
        return self._status

    def drop(self):
        """Test helper: the access point goes away."""
        self._status = STAT_NO_AP_FOUND
