from services.scoring_service.app import create_app
from services.scoring_service.settings import DEFAULT_PORT, SERVICE_NAME
from shared.platform.serve import serve

serve(SERVICE_NAME, create_app, DEFAULT_PORT)
