from tests.sync.conftest import phone_for  # noqa: F401 (the sync protocol's phone fixture)
