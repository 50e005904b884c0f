"""JSON API of the auth room: /api/v1/me, agencies, users, tokens."""

from __future__ import annotations

import uuid

from fastapi import APIRouter, status

from qorgau.auth import service
from qorgau.auth.deps import AccountHolder, AgencyAdmin, AgencyReader, UserAdmin
from qorgau.auth.schemas import (
    AgencyCreate,
    AgencyOut,
    MeOut,
    PasswordChange,
    TokenCreate,
    TokenCreated,
    TokenOut,
    UserCreate,
    UserCreated,
    UserOut,
)
from qorgau.web.deps import DB
from qorgau.web.problems import PROBLEM_RESPONSES

router = APIRouter(prefix="/api/v1", tags=["accounts"], responses=PROBLEM_RESPONSES)


@router.get("/me", response_model=MeOut, summary="Who am I")
async def me(principal: AccountHolder) -> MeOut:  # async: no I/O, no thread-pool hop
    return service.me_out(principal)


@router.post("/me/password", status_code=status.HTTP_204_NO_CONTENT, summary="Change my password")
def change_password(body: PasswordChange, db: DB, principal: AccountHolder) -> None:
    service.change_password(
        db, principal, body.current_password, body.new_password, keep_api_tokens=body.keep_api_tokens
    )


@router.get("/me/tokens", response_model=list[TokenOut], summary="My API tokens")
def my_tokens(db: DB, principal: AccountHolder) -> list[TokenOut]:
    user = service.own_account(db, principal)
    return [
        TokenOut.model_validate(t, from_attributes=True) for t in service.list_api_tokens(db, principal, user)
    ]


@router.post("/me/tokens", response_model=TokenCreated, status_code=201, summary="Create an API token")
def create_token(body: TokenCreate, db: DB, principal: AccountHolder) -> TokenCreated:
    user = service.own_account(db, principal)
    token, raw = service.create_api_token(
        db, principal, user, body.label, expires_in_days=body.expires_in_days
    )
    return TokenCreated(**TokenOut.model_validate(token, from_attributes=True).model_dump(), token=raw)


@router.delete("/me/tokens/{token_id}", status_code=204, summary="Revoke an API token")
def revoke_token(token_id: uuid.UUID, db: DB, principal: AccountHolder) -> None:
    service.revoke_api_token(db, principal, token_id)


@router.get("/agencies", response_model=list[AgencyOut], summary="Agency directory")
def list_agencies(db: DB, principal: AgencyReader) -> list[AgencyOut]:
    return [AgencyOut.model_validate(a) for a in service.list_agencies(db, principal)]


@router.post("/agencies", response_model=AgencyOut, status_code=201, summary="Register an agency")
def create_agency(body: AgencyCreate, db: DB, principal: AgencyAdmin) -> AgencyOut:
    return AgencyOut.model_validate(service.create_agency(db, principal, body))


@router.get("/users", response_model=list[UserOut], summary="User accounts")
def list_users(db: DB, principal: UserAdmin) -> list[UserOut]:
    return service.users_out(db, service.list_users(db, principal))


@router.post("/users", response_model=UserCreated, status_code=201, summary="Create a user account")
def create_user(body: UserCreate, db: DB, principal: UserAdmin) -> UserCreated:
    user, generated = service.create_user(db, principal, body)
    (out,) = service.users_out(db, [user])
    return UserCreated(**out.model_dump(), generated_password=generated)


@router.get("/users/{user_id}", response_model=UserOut, summary="One user account")
def get_user(user_id: uuid.UUID, db: DB, principal: UserAdmin) -> UserOut:
    return service.users_out(db, [service.get_user(db, principal, user_id)])[0]


@router.post("/users/{user_id}/disable", response_model=UserOut, summary="Disable an account")
def disable_user(user_id: uuid.UUID, db: DB, principal: UserAdmin) -> UserOut:
    user = service.get_user(db, principal, user_id)
    return service.users_out(db, [service.set_user_active(db, principal, user, False)])[0]


@router.post("/users/{user_id}/enable", response_model=UserOut, summary="Enable an account")
def enable_user(user_id: uuid.UUID, db: DB, principal: UserAdmin) -> UserOut:
    user = service.get_user(db, principal, user_id)
    return service.users_out(db, [service.set_user_active(db, principal, user, True)])[0]
