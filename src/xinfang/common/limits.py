"""Size limits of a petition, the same at every entry point: the REST API's schema
(`api.schemas.PetitionIn`), the 登记 form (`web.intake_forms`), the ledger importer (`imports.rows`)
and, as the authority behind all of them, `petitions.services.petition_create`. Over a limit the
input is refused with a clear message and nothing is stored."""

MAX_TITLE = 200  # characters
MAX_CONTENT = 50_000  # 反映内容
MAX_DEMANDS = 20_000  # 诉求
MAX_PETITIONERS = 200  # petitioner rows of one petition (a larger group gives its headcount)
MAX_HEADCOUNT = 100_000
MAX_NAME = 64  # a petitioner's name
MAX_ID_NUMBER = 32
MAX_PHONE = 32
MAX_ADDRESS = 200
MAX_ACCUSED_PERSON = 64
MAX_EXTERNAL_ID = 64
MAX_FILE_NAME = 255  # an attachment's file name as uploaded (characters)
