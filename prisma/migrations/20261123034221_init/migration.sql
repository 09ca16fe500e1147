-- CreateSchema
CREATE SCHEMA IF NOT EXISTS "public";

-- CreateEnum
CREATE TYPE "GenerationStatus" AS ENUM ('QUEUED', 'PROCESSING', 'COMPLETED', 'FAILED', 'CANCELLED');

-- CreateEnum
CREATE TYPE "Language" AS ENUM ('KO', 'EN', 'JA', 'ZH');

-- CreateEnum
CREATE TYPE "GenerationKind" AS ENUM ('LYRIC', 'SONG', 'VIDEO');

-- CreateTable
CREATE TABLE "users" (
    "id" UUID NOT NULL,
    "email" TEXT NOT NULL,
    "name" TEXT,
    "password_hash" TEXT NOT NULL,
    "created_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "updated_at" TIMESTAMPTZ(3) NOT NULL,

    CONSTRAINT "users_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "projects" (
    "id" UUID NOT NULL,
    "owner_id" UUID NOT NULL,
    "store_name" TEXT NOT NULL,
    "address" TEXT,
    "description" TEXT,
    "language" "Language" NOT NULL DEFAULT 'KO',
    "event_sequence" INTEGER NOT NULL DEFAULT 0,
    "created_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "updated_at" TIMESTAMPTZ(3) NOT NULL,

    CONSTRAINT "projects_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "project_images" (
    "id" UUID NOT NULL,
    "project_id" UUID NOT NULL,
    "blob_key" TEXT NOT NULL,
    "file_name" TEXT NOT NULL,
    "content_type" TEXT NOT NULL,
    "size" INTEGER NOT NULL,
    "order" INTEGER NOT NULL,
    "created_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "project_images_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "lyrics" (
    "id" UUID NOT NULL,
    "project_id" UUID NOT NULL,
    "status" "GenerationStatus" NOT NULL DEFAULT 'QUEUED',
    "progress" INTEGER NOT NULL DEFAULT 0,
    "attempt" INTEGER NOT NULL DEFAULT 1,
    "error_code" TEXT,
    "error_message" TEXT,
    "language" "Language" NOT NULL,
    "mood" TEXT,
    "style" TEXT,
    "extra_prompt" TEXT,
    "title" TEXT,
    "text" TEXT,
    "model" TEXT,
    "created_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "updated_at" TIMESTAMPTZ(3) NOT NULL,
    "started_at" TIMESTAMPTZ(3),
    "finished_at" TIMESTAMPTZ(3),

    CONSTRAINT "lyrics_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "songs" (
    "id" UUID NOT NULL,
    "project_id" UUID NOT NULL,
    "lyric_id" UUID,
    "status" "GenerationStatus" NOT NULL DEFAULT 'QUEUED',
    "progress" INTEGER NOT NULL DEFAULT 0,
    "attempt" INTEGER NOT NULL DEFAULT 1,
    "error_code" TEXT,
    "error_message" TEXT,
    "style" TEXT,
    "title" TEXT,
    "provider_task_id" TEXT,
    "provider_track_id" TEXT,
    "provider_audio_url" TEXT,
    "blob_key" TEXT,
    "image_blob_key" TEXT,
    "content_type" TEXT,
    "size" BIGINT,
    "duration" DOUBLE PRECISION,
    "created_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "updated_at" TIMESTAMPTZ(3) NOT NULL,
    "started_at" TIMESTAMPTZ(3),
    "finished_at" TIMESTAMPTZ(3),

    CONSTRAINT "songs_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "videos" (
    "id" UUID NOT NULL,
    "project_id" UUID NOT NULL,
    "song_id" UUID,
    "status" "GenerationStatus" NOT NULL DEFAULT 'QUEUED',
    "progress" INTEGER NOT NULL DEFAULT 0,
    "attempt" INTEGER NOT NULL DEFAULT 1,
    "error_code" TEXT,
    "error_message" TEXT,
    "template_id" TEXT,
    "provider_render_id" TEXT,
    "provider_url" TEXT,
    "blob_key" TEXT,
    "thumbnail_blob_key" TEXT,
    "content_type" TEXT,
    "size" BIGINT,
    "duration" DOUBLE PRECISION,
    "width" INTEGER,
    "height" INTEGER,
    "created_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "updated_at" TIMESTAMPTZ(3) NOT NULL,
    "started_at" TIMESTAMPTZ(3),
    "finished_at" TIMESTAMPTZ(3),

    CONSTRAINT "videos_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "ad_runs" (
    "id" UUID NOT NULL,
    "project_id" UUID NOT NULL,
    "lyric_id" UUID NOT NULL,
    "song_id" UUID NOT NULL,
    "video_id" UUID NOT NULL,
    "created_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "ad_runs_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "generation_events" (
    "id" BIGSERIAL NOT NULL,
    "project_id" UUID NOT NULL,
    "sequence" INTEGER NOT NULL,
    "kind" "GenerationKind" NOT NULL,
    "generation_id" UUID NOT NULL,
    "status" "GenerationStatus" NOT NULL,
    "progress" INTEGER NOT NULL,
    "message" TEXT,
    "created_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "generation_events_pkey" PRIMARY KEY ("id")
);

-- CreateIndex
CREATE UNIQUE INDEX "users_email_key" ON "users"("email");

-- CreateIndex
CREATE INDEX "projects_owner_id_created_at_id_idx" ON "projects"("owner_id", "created_at" DESC, "id");

-- CreateIndex
CREATE UNIQUE INDEX "project_images_blob_key_key" ON "project_images"("blob_key");

-- CreateIndex
CREATE UNIQUE INDEX "project_images_project_id_order_key" ON "project_images"("project_id", "order");

-- CreateIndex
CREATE INDEX "lyrics_project_id_created_at_idx" ON "lyrics"("project_id", "created_at" DESC);

-- CreateIndex
CREATE INDEX "lyrics_status_updated_at_idx" ON "lyrics"("status", "updated_at");

-- CreateIndex
CREATE INDEX "songs_project_id_created_at_idx" ON "songs"("project_id", "created_at" DESC);

-- CreateIndex
CREATE INDEX "songs_created_at_id_idx" ON "songs"("created_at" DESC, "id");

-- CreateIndex
CREATE INDEX "songs_status_updated_at_idx" ON "songs"("status", "updated_at");

-- CreateIndex
CREATE INDEX "songs_provider_task_id_idx" ON "songs"("provider_task_id");

-- CreateIndex
CREATE INDEX "songs_lyric_id_idx" ON "songs"("lyric_id");

-- CreateIndex
CREATE INDEX "videos_project_id_created_at_idx" ON "videos"("project_id", "created_at" DESC);

-- CreateIndex
CREATE INDEX "videos_created_at_id_idx" ON "videos"("created_at" DESC, "id");

-- CreateIndex
CREATE INDEX "videos_status_updated_at_idx" ON "videos"("status", "updated_at");

-- CreateIndex
CREATE INDEX "videos_provider_render_id_idx" ON "videos"("provider_render_id");

-- CreateIndex
CREATE INDEX "videos_song_id_idx" ON "videos"("song_id");

-- CreateIndex
CREATE UNIQUE INDEX "ad_runs_lyric_id_key" ON "ad_runs"("lyric_id");

-- CreateIndex
CREATE UNIQUE INDEX "ad_runs_song_id_key" ON "ad_runs"("song_id");

-- CreateIndex
CREATE UNIQUE INDEX "ad_runs_video_id_key" ON "ad_runs"("video_id");

-- CreateIndex
CREATE INDEX "ad_runs_project_id_created_at_idx" ON "ad_runs"("project_id", "created_at" DESC);

-- CreateIndex
CREATE INDEX "generation_events_generation_id_idx" ON "generation_events"("generation_id");

-- CreateIndex
CREATE UNIQUE INDEX "generation_events_project_id_sequence_key" ON "generation_events"("project_id", "sequence");

-- AddForeignKey
ALTER TABLE "projects" ADD CONSTRAINT "projects_owner_id_fkey" FOREIGN KEY ("owner_id") REFERENCES "users"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "project_images" ADD CONSTRAINT "project_images_project_id_fkey" FOREIGN KEY ("project_id") REFERENCES "projects"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "lyrics" ADD CONSTRAINT "lyrics_project_id_fkey" FOREIGN KEY ("project_id") REFERENCES "projects"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "songs" ADD CONSTRAINT "songs_project_id_fkey" FOREIGN KEY ("project_id") REFERENCES "projects"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "songs" ADD CONSTRAINT "songs_lyric_id_fkey" FOREIGN KEY ("lyric_id") REFERENCES "lyrics"("id") ON DELETE SET NULL ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "videos" ADD CONSTRAINT "videos_project_id_fkey" FOREIGN KEY ("project_id") REFERENCES "projects"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "videos" ADD CONSTRAINT "videos_song_id_fkey" FOREIGN KEY ("song_id") REFERENCES "songs"("id") ON DELETE SET NULL ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "ad_runs" ADD CONSTRAINT "ad_runs_project_id_fkey" FOREIGN KEY ("project_id") REFERENCES "projects"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "ad_runs" ADD CONSTRAINT "ad_runs_lyric_id_fkey" FOREIGN KEY ("lyric_id") REFERENCES "lyrics"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "ad_runs" ADD CONSTRAINT "ad_runs_song_id_fkey" FOREIGN KEY ("song_id") REFERENCES "songs"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "ad_runs" ADD CONSTRAINT "ad_runs_video_id_fkey" FOREIGN KEY ("video_id") REFERENCES "videos"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "generation_events" ADD CONSTRAINT "generation_events_project_id_fkey" FOREIGN KEY ("project_id") REFERENCES "projects"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- Written by hand (Prisma's schema language cannot express partial indexes): at most one
-- QUEUED or PROCESSING generation per stage and project. This is what makes concurrent
-- generate* calls start exactly one job (ALREADY_PROCESSING for the rest).
CREATE UNIQUE INDEX "lyrics_one_active_per_project" ON "lyrics"("project_id") WHERE "status" IN ('QUEUED', 'PROCESSING');
CREATE UNIQUE INDEX "songs_one_active_per_project" ON "songs"("project_id") WHERE "status" IN ('QUEUED', 'PROCESSING');
CREATE UNIQUE INDEX "videos_one_active_per_project" ON "videos"("project_id") WHERE "status" IN ('QUEUED', 'PROCESSING');
