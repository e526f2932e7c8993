from tests.conftest import logged_in


def test_clerk_home_shows_municipality(staff_of, muni_a):
    r = logged_in(staff_of["counter_clerk"]).get("/")
    assert r.status_code == 200
    assert "伊奈町" in r.content.decode()
