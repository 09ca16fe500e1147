// Sessions: signing up and in (open to anyone), refreshing, signing out, changing the password.
import { AUTH_LIMITS, changePassword, refresh, signIn, signOut, signUp, type AuthPayload as AuthPayloadShape } from "../resolvers/auth.js";
import { builder } from "./builder.js";
import { UserRef } from "./user.js";

const AuthPayload = builder.objectRef<AuthPayloadShape>("AuthPayload").implement({
  description: "A session: a short-lived access token and a refresh token that renews it (refreshToken).",
  fields: (t) => ({
    accessToken: t.exposeString("accessToken", { description: "Send as `Authorization: Bearer <accessToken>`; valid until accessTokenExpiresAt." }),
    accessTokenExpiresAt: t.field({ type: "DateTime", resolve: (p) => p.accessTokenExpiresAt }),
    refreshToken: t.exposeString("refreshToken", {
      description: "Exchange it with the refreshToken mutation for new tokens before or after the access token expires. It works once: keep the new one.",
    }),
    token: t.exposeString("token", { description: "The access token (same as accessToken).", deprecationReason: "Use accessToken." }),
    user: t.field({ type: UserRef, resolve: (p) => p.user }),
  }),
});

const ChangePasswordInput = builder.inputType("ChangePasswordInput", {
  fields: (t) => ({
    currentPassword: t.string({ required: true }),
    newPassword: t.string({ required: true, description: `${AUTH_LIMITS.passwordMin} to ${AUTH_LIMITS.passwordMax} characters.` }),
  }),
});

const SignUpInput = builder.inputType("SignUpInput", {
  fields: (t) => ({
    email: t.string({ required: true, description: `Up to ${AUTH_LIMITS.email} characters.` }),
    password: t.string({ required: true, description: `${AUTH_LIMITS.passwordMin} to ${AUTH_LIMITS.passwordMax} characters.` }),
    name: t.string({ description: `Up to ${AUTH_LIMITS.name} characters.` }),
  }),
});

const SignInInput = builder.inputType("SignInInput", {
  fields: (t) => ({
    email: t.string({ required: true }),
    password: t.string({ required: true }),
  }),
});

builder.mutationFields((t) => ({
  signUp: t.field({
    type: AuthPayload,
    args: { input: t.arg({ type: SignUpInput, required: true }) },
    resolve: (_root, args, ctx) => signUp(ctx.services, args.input, ctx.clientIp),
  }),
  signIn: t.field({
    type: AuthPayload,
    args: { input: t.arg({ type: SignInInput, required: true }) },
    resolve: (_root, args, ctx) => signIn(ctx.services, args.input, ctx.clientIp),
  }),
  refreshToken: t.field({
    type: AuthPayload,
    description: "New tokens for a refresh token; the refresh token given stops working (rotation). Needs no Authorization header.",
    args: { refreshToken: t.arg.string({ required: true }) },
    resolve: (_root, args, ctx) => refresh(ctx.services, args.refreshToken),
  }),
  signOut: t.boolean({
    description: "Ends the session of the access token sent (and/or of the refresh token given): its tokens stop working at once.",
    args: { refreshToken: t.arg.string() },
    resolve: (_root, args, ctx) => signOut(ctx.services, ctx.viewer, args.refreshToken),
  }),
  changePassword: t.withAuth({ signedIn: true }).field({
    type: AuthPayload,
    description: "Changes the password and signs out every session (all devices); returns a new session for this one.",
    args: { input: t.arg({ type: ChangePasswordInput, required: true }) },
    resolve: (_root, args, ctx) => changePassword(ctx.services, ctx.viewer, args.input),
  }),
}));
