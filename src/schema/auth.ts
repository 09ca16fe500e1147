import type { User } from "../generated/prisma/client.js";
import { signIn, signUp } from "../resolvers/auth.js";
import { builder } from "./builder.js";
import { UserRef } from "./user.js";

const AuthPayload = builder.objectRef<{ token: string; user: User }>("AuthPayload").implement({
  fields: (t) => ({
    token: t.exposeString("token", { description: "Send as `Authorization: Bearer <token>`." }),
    user: t.field({ type: UserRef, resolve: (p) => p.user }),
  }),
});

const SignUpInput = builder.inputType("SignUpInput", {
  fields: (t) => ({
    email: t.string({ required: true }),
    password: t.string({ required: true, description: "8 to 200 characters." }),
    name: t.string(),
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
    resolve: (_root, args, ctx) => signUp(ctx.services, args.input),
  }),
  signIn: t.field({
    type: AuthPayload,
    args: { input: t.arg({ type: SignInInput, required: true }) },
    resolve: (_root, args, ctx) => signIn(ctx.services, args.input),
  }),
}));
